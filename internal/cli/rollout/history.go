package rollout

import (
	"context"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/duration"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/get"
	"flotilla.dev/flotilla/internal/cli/options"
)

func newHistoryCommand(g *options.Global) *cobra.Command {
	return &cobra.Command{
		Use:               "history APP",
		Short:             "List the kept revisions of an Application, newest first",
		Example:           "  flotilla rollout history shop -n team-a",
		Args:              exactlyOneApp,
		ValidArgsFunction: get.CompleteApplicationNames(g),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, ns, err := clientAndNamespace(g)
			if err != nil {
				return err
			}
			app, revs, err := load(cmd.Context(), c, ns, args[0])
			if err != nil {
				return err
			}
			PrintHistory(g.Out, app, revs, time.Now())
			return nil
		},
	}
}

func exactlyOneApp(_ *cobra.Command, args []string) error {
	if len(args) != 1 {
		return &options.UsageError{Err: fmt.Errorf("expected one Application name, got %d arguments", len(args))}
	}
	return nil
}

func clientAndNamespace(g *options.Global) (client.Client, string, error) {
	c, err := g.Client()
	if err != nil {
		return nil, "", err
	}
	ns, err := g.EffectiveNamespace()
	return c, ns, err
}

// load reads the Application and its revisions.
func load(ctx context.Context, c client.Client, ns, name string) (*flotillav1alpha1.Application, []flotillav1alpha1.ApplicationRevision, error) {
	app := &flotillav1alpha1.Application{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, app); err != nil {
		return nil, nil, fmt.Errorf("application %s/%s: %w", ns, name, err)
	}
	var list flotillav1alpha1.ApplicationRevisionList
	if err := c.List(ctx, &list, client.InNamespace(ns), client.MatchingLabels{flotillav1alpha1.LabelRevisionApplication: name}); err != nil {
		return nil, nil, fmt.Errorf("listing the revisions of %s: %w", name, err)
	}
	revs := list.Items
	sort.Slice(revs, func(i, j int) bool { return revs[i].Spec.Revision > revs[j].Spec.Revision })
	return app, revs, nil
}

// PrintHistory writes one row per revision, newest first, marking the current one.
func PrintHistory(w io.Writer, app *flotillav1alpha1.Application, revs []flotillav1alpha1.ApplicationRevision, now time.Time) {
	if len(revs) == 0 {
		fmt.Fprintf(w, "No revisions of %s yet: the controller records one when it first sees the Application.\n", app.Name)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REVISION\tNAME\tCURRENT\tAGE\tCHANGE-CAUSE")
	for _, r := range revs {
		current := ""
		if r.Name == app.Status.CurrentRevision {
			current = "*"
		}
		cause := r.Spec.ChangeCause
		if cause == "" {
			cause = "<none>"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", r.Spec.Revision, r.Name, current, age(r.CreationTimestamp.Time, now), cause)
	}
	_ = tw.Flush()
}

func age(t, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t))
}
