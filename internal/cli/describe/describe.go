// Package describe is `flotilla describe app NAME`: an Application's placement and why, its
// state in every cluster, its revisions and its recent events, in one page.
package describe

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/options"
)

// NewCommand returns `flotilla describe` with its kinds.
func NewCommand(g *options.Global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "describe KIND NAME",
		Short: "Show the details of a Flotilla object (app)",
	}
	cmd.AddCommand(newAppCommand(g))
	return cmd
}

func newAppCommand(g *options.Global) *cobra.Command {
	return &cobra.Command{
		Use:     "app NAME",
		Aliases: []string{"apps", "application", "applications"},
		Short:   "Show an Application: placement and reasons, per-cluster state, revisions, recent events",
		Example: "  flotilla describe app shop -n team-a",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &options.UsageError{Err: fmt.Errorf("expected one Application name, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.Client()
			if err != nil {
				return err
			}
			ns, err := g.EffectiveNamespace()
			if err != nil {
				return err
			}
			in, err := load(cmd.Context(), c, ns, args[0])
			if err != nil {
				return err
			}
			in.Now = time.Now()
			return App(g.Out, in)
		},
	}
}

// load reads the Application, its revisions and its events.
func load(ctx context.Context, c client.Client, ns, name string) (Input, error) {
	in := Input{App: &flotillav1alpha1.Application{}}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, in.App); err != nil {
		return in, fmt.Errorf("application %s/%s: %w", ns, name, err)
	}
	var revs flotillav1alpha1.ApplicationRevisionList
	if err := c.List(ctx, &revs, client.InNamespace(ns), client.MatchingLabels{flotillav1alpha1.LabelRevisionApplication: name}); err != nil {
		return in, fmt.Errorf("listing the revisions of %s: %w", name, err)
	}
	in.Revisions = revs.Items
	var events corev1.EventList
	if err := c.List(ctx, &events, client.InNamespace(ns), client.MatchingFields{"involvedObject.name": name, "involvedObject.kind": "Application"}); err != nil {
		return in, fmt.Errorf("listing the events of %s: %w", name, err)
	}
	in.Events = events.Items
	sort.Slice(in.Revisions, func(i, j int) bool { return in.Revisions[i].Spec.Revision > in.Revisions[j].Spec.Revision })
	return in, nil
}
