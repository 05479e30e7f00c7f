package dev

import (
	"fmt"

	"github.com/spf13/cobra"

	"flotilla.dev/flotilla/internal/cli/options"
	"flotilla.dev/flotilla/internal/devfleet"
)

func newDownCommand(g *options.Global) *cobra.Command {
	var home string
	var keepData bool
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Stop the local fleet and remove its state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, err := resolveHome(home)
			if err != nil {
				return err
			}
			if err := devfleet.Down(cmd.Context(), home, keepData); err != nil {
				return err
			}
			if keepData {
				fmt.Fprintf(g.Out, "stopped the local fleet in %s; its data is kept ('flotilla dev up' restarts it)\n", home)
			} else {
				fmt.Fprintf(g.Out, "removed the local fleet in %s\n", home)
			}
			return nil
		},
	}
	homeFlag(cmd, &home)
	cmd.Flags().BoolVar(&keepData, "keep-data", false, "stop the processes but keep certificates, data and logs")
	return cmd
}
