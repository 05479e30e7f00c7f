// Package unjoin is `flotilla unjoin NAME --yes`: remove a cluster from the fleet, with the
// objects Flotilla created in it.
package unjoin

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"flotilla.dev/flotilla/internal/cli/get"
	"flotilla.dev/flotilla/internal/cli/options"
	fleetjoin "flotilla.dev/flotilla/internal/fleet/join"
)

// NewCommand returns `flotilla unjoin`.
func NewCommand(g *options.Global) *cobra.Command {
	var (
		yes     bool
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "unjoin NAME --yes",
		Short: "Remove a cluster from the fleet",
		Long: `Remove a member cluster from the fleet: the objects Flotilla created in it (labelled
app.kubernetes.io/managed-by=flotilla; left in place when the cluster is unreachable), its
credential Secret and its MemberCluster. Without --yes it only says what it would remove.`,
		Example:           "  flotilla unjoin eu-west-1          # show what would be removed\n  flotilla unjoin eu-west-1 --yes",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: get.CompleteClusterNames(g),
		RunE: func(cmd *cobra.Command, args []string) error {
			hub, err := g.Client()
			if err != nil {
				return err
			}
			plan, err := fleetjoin.PlanUnjoin(cmd.Context(), hub, args[0], "", timeout)
			if err != nil {
				return err
			}
			WritePlan(g.Out, plan, yes)
			if !yes {
				return fmt.Errorf("refusing to unjoin %s without --yes", args[0])
			}
			if err := fleetjoin.Unjoin(cmd.Context(), hub, plan); err != nil {
				return err
			}
			fmt.Fprintf(g.Out, "membercluster/%s unjoined\n", args[0])
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "really remove the cluster and what Flotilla created in it")
	cmd.Flags().DurationVar(&timeout, "timeout", 15*time.Second, "how long to wait for the member's answers")
	return cmd
}

// WritePlan says what unjoining removes (or would remove, when !doing).
func WritePlan(w io.Writer, plan *fleetjoin.UnjoinPlan, doing bool) {
	verb := "would remove"
	if doing {
		verb = "removes"
	}
	fmt.Fprintf(w, "Unjoining %s %s:\n", plan.Cluster, verb)
	switch {
	case plan.MemberUnreachable != nil:
		fmt.Fprintf(w, "  in the member: nothing, it cannot be reached (%v);\n  objects Flotilla created there stay in place\n", plan.MemberUnreachable)
	case len(plan.MemberObjects) == 0:
		fmt.Fprintln(w, "  in the member: no objects labelled app.kubernetes.io/managed-by=flotilla")
	default:
		fmt.Fprintf(w, "  in the member, %d objects labelled app.kubernetes.io/managed-by=flotilla:\n", len(plan.MemberObjects))
		for _, o := range plan.MemberObjects {
			fmt.Fprintf(w, "    %s\n", o)
		}
	}
	fmt.Fprintln(w, "  in the hub:")
	if plan.Secret != nil {
		fmt.Fprintf(w, "    Secret %s (the member's credential)\n", plan.Secret)
	}
	if plan.MemberCluster {
		fmt.Fprintf(w, "    MemberCluster %s\n", plan.Cluster)
	}
}
