// Package rollout is `flotilla rollout`: the history of an Application's revisions and undo.
// Each subcommand is one file: history.go, undo.go.
package rollout

import (
	"github.com/spf13/cobra"

	"flotilla.dev/flotilla/internal/cli/options"
)

// NewCommand returns `flotilla rollout` with its subcommands.
func NewCommand(g *options.Global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rollout",
		Short: "Manage the rollout of an Application: history, undo",
	}
	cmd.AddCommand(newHistoryCommand(g), newUndoCommand(g))
	return cmd
}
