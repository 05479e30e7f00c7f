package rollout

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/client-go/util/retry"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/get"
	"flotilla.dev/flotilla/internal/cli/options"
	"flotilla.dev/flotilla/internal/federation/revision"
)

func newUndoCommand(g *options.Global) *cobra.Command {
	var to int64
	cmd := &cobra.Command{
		Use:   "undo APP [--to-revision N]",
		Short: "Go back to a kept revision: its resources and overrides are copied into the Application",
		Long: `Undo copies the resources and overrides of a kept ApplicationRevision (the previous one
by default) back into the Application. The controller then records that content as the newest
revision and applies it to every chosen cluster.`,
		Example:           "  flotilla rollout undo shop\n  flotilla rollout undo shop --to-revision 3",
		Args:              exactlyOneApp,
		ValidArgsFunction: get.CompleteApplicationNames(g),
		RunE: func(cmd *cobra.Command, args []string) error {
			if to < 0 {
				return &options.UsageError{Err: fmt.Errorf("--to-revision must be a revision number from 1, got %d", to)}
			}
			c, ns, err := clientAndNamespace(g)
			if err != nil {
				return err
			}
			var target *flotillav1alpha1.ApplicationRevision
			var changes []string
			err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
				app, revs, err := load(cmd.Context(), c, ns, args[0])
				if err != nil {
					return err
				}
				if target, err = revision.Find(revs, revision.CurrentName(app), to); err != nil {
					return err
				}
				if changes = revision.Restore(app, target); len(changes) == 0 {
					return nil
				}
				return c.Update(cmd.Context(), app)
			})
			if err != nil {
				return err
			}
			PrintUndo(g.Out, args[0], target.Spec.Revision, changes)
			return nil
		},
	}
	cmd.Flags().Int64Var(&to, "to-revision", 0, "revision number to go back to (default: the previous one)")
	return cmd
}

// PrintUndo reports the outcome of an undo and what it changed.
func PrintUndo(w io.Writer, app string, number int64, changes []string) {
	if len(changes) == 0 {
		fmt.Fprintf(w, "application.flotilla.dev/%s skipped rollback: it already holds the content of revision %d\n", app, number)
		return
	}
	fmt.Fprintf(w, "application.flotilla.dev/%s rolled back to revision %d\n", app, number)
	for _, c := range changes {
		fmt.Fprintf(w, "  %s\n", c)
	}
}
