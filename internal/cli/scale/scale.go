// Package scale is `flotilla scale APP --replicas N`: setting an Application's replica count
// (spec.replicas) by hand. A FleetAutoscaler that targets the Application owns that count and
// sets it again at its next evaluation, so scale refuses then unless --force is given.
package scale

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/get"
	"flotilla.dev/flotilla/internal/cli/options"
)

// AnnotationScaledBy records on the Application who last scaled it from the command line, and
// when: "flotilla scale by USER at RFC3339-TIME", USER being the kubeconfig context's user or
// "cli". It stands in for the audit trail until that exists.
const AnnotationScaledBy = "flotilla.dev/scaled-by"

// defaultInterval is how often a FleetAutoscaler evaluates when spec.interval is unset.
const defaultInterval = 5 * time.Second

// Options are the flags of `flotilla scale`.
type Options struct {
	// Replicas is --replicas: the new spec.replicas.
	Replicas int32
	// Force scales even though a FleetAutoscaler targets the Application.
	Force bool
	// Clock tells the time written into AnnotationScaledBy (injected in tests).
	Clock clock.PassiveClock
}

// NewCommand returns `flotilla scale`.
func NewCommand(g *options.Global) *cobra.Command {
	o := &Options{Clock: clock.RealClock{}}
	cmd := &cobra.Command{
		Use:   "scale APP --replicas N",
		Short: "Set an Application's replica count (spec.replicas), like kubectl scale",
		Long: `Scale sets spec.replicas of the Application, which replaces the workload's spec.replicas: the
fleet-wide total for a Divided placement, the count in each cluster for a Duplicated one.
Scaling never creates a revision, so it never starts a rollout. The annotation
flotilla.dev/scaled-by records who scaled and when.

A FleetAutoscaler that targets the Application sets the count again at its next evaluation, so
scale refuses then: change the autoscaler's minReplicas/maxReplicas or schedules instead, or
pass --force to set the count until the autoscaler's next evaluation.`,
		Example: "  flotilla scale web --replicas 8 -n team-a",
		Args:    options.OneName("Application"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("replicas") {
				return &options.UsageError{Err: errors.New("--replicas is required: the application's new replica count, e.g. --replicas 8")}
			}
			if o.Replicas < 0 {
				return &options.UsageError{Err: fmt.Errorf("--replicas must be 0 or more, got %d", o.Replicas)}
			}
			c, ns, err := g.ClientInNamespace()
			if err != nil {
				return err
			}
			return o.Run(cmd.Context(), c, client.ObjectKey{Namespace: ns, Name: args[0]}, g.KubeconfigUser(), g.Out, g.ErrOut)
		},
		ValidArgsFunction: get.CompleteApplicationNames(g),
	}
	cmd.Flags().Int32Var(&o.Replicas, "replicas", 0, "the new replica count (0 or more): fleet-wide for a Divided placement, per cluster for a Duplicated one")
	cmd.Flags().BoolVar(&o.Force, "force", false, "scale even though a FleetAutoscaler targets the application (it sets its own count again at its next evaluation)")
	return cmd
}

// Run scales the Application key names to o.Replicas as user ("" when unknown) with one JSON
// merge patch of spec.replicas and AnnotationScaledBy, and prints what changed to out. It
// refuses with an error naming the FleetAutoscalers that target the Application unless
// o.Force, in which case it warns on errOut.
func (o *Options) Run(ctx context.Context, c client.Client, key client.ObjectKey, user string, out, errOut io.Writer) error {
	app := &flotillav1alpha1.Application{}
	if err := c.Get(ctx, key, app); err != nil {
		return fmt.Errorf("application %s: %w", key, err)
	}
	scalers, err := autoscalersOf(ctx, c, app)
	switch {
	case err != nil && !o.Force:
		return fmt.Errorf("%w; pass --force to scale without this check", err)
	case err != nil:
		fmt.Fprintf(errOut, "warning: %v\n", err)
	case len(scalers) > 0 && !o.Force:
		return fmt.Errorf("%s. Change the autoscaler's minReplicas/maxReplicas or schedules instead (`kubectl edit fleetautoscaler %s -n %s`), "+
			"or pass --force to set %d replicas until then", overriddenBy(app, scalers), scalers[0].Name, app.Namespace, o.Replicas)
	case len(scalers) > 0:
		fmt.Fprintf(errOut, "warning: %s; its minReplicas/maxReplicas or schedules change the count for good\n", overriddenBy(app, scalers))
	}
	base := app.DeepCopy()
	was := "unset: the workload's spec.replicas"
	if app.Spec.Replicas != nil {
		was = fmt.Sprint(*app.Spec.Replicas)
	}
	app.Spec.Replicas = ptr.To(o.Replicas)
	if app.Annotations == nil {
		app.Annotations = map[string]string{}
	}
	app.Annotations[AnnotationScaledBy] = ScaledBy(user, o.Clock.Now())
	if err := c.Patch(ctx, app, client.MergeFrom(base)); err != nil {
		return fmt.Errorf("scaling application %s: %w", key, err)
	}
	fmt.Fprintf(out, "application %s scaled to %d replicas (was %s)\n", app.Name, o.Replicas, was)
	return nil
}

// ScaledBy is the value of AnnotationScaledBy for user ("" when unknown) at now.
func ScaledBy(user string, now time.Time) string {
	if user == "" {
		user = "cli"
	}
	return fmt.Sprintf("flotilla scale by %s at %s", user, now.UTC().Format(time.RFC3339))
}

// autoscalersOf lists the FleetAutoscalers in app's namespace whose spec.targetRef names app.
func autoscalersOf(ctx context.Context, c client.Client, app *flotillav1alpha1.Application) ([]flotillav1alpha1.FleetAutoscaler, error) {
	var list flotillav1alpha1.FleetAutoscalerList
	if err := c.List(ctx, &list, client.InNamespace(app.Namespace)); err != nil {
		return nil, fmt.Errorf("could not check for FleetAutoscalers that target application %s: %w", app.Name, err)
	}
	var out []flotillav1alpha1.FleetAutoscaler
	for _, fa := range list.Items {
		if fa.Spec.TargetRef.Name == app.Name {
			out = append(out, fa)
		}
	}
	return out, nil
}

// overriddenBy says which autoscalers set app's count again, and when.
func overriddenBy(app *flotillav1alpha1.Application, scalers []flotillav1alpha1.FleetAutoscaler) string {
	names := make([]string, len(scalers))
	for i, fa := range scalers {
		minReplicas := int32(1)
		if fa.Spec.MinReplicas != nil {
			minReplicas = *fa.Spec.MinReplicas
		}
		interval := defaultInterval
		if fa.Spec.Interval != nil {
			interval = fa.Spec.Interval.Duration
		}
		names[i] = fmt.Sprintf("%s (minReplicas %d, maxReplicas %d, evaluated every %s)", fa.Name, minReplicas, fa.Spec.MaxReplicas, interval)
	}
	return fmt.Sprintf("application %s is scaled by FleetAutoscaler %s, which will override the count at its next evaluation",
		app.Name, strings.Join(names, " and FleetAutoscaler "))
}
