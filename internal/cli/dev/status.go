package dev

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"flotilla.dev/flotilla/internal/cli/options"
	"flotilla.dev/flotilla/internal/devfleet"
)

func newStatusCommand(g *options.Global) *cobra.Command {
	var home string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "List the local fleet's processes with their pid, port, health and log",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := loadFleet(home)
			if err != nil {
				return err
			}
			sts := f.Status(cmd.Context())
			printStatus(g.Out, sts)
			if bad := unhealthy(sts); bad > 0 {
				return fmt.Errorf("%d of %d processes are not healthy: see their logs, or run 'flotilla dev up' to restart them", bad, len(sts))
			}
			return nil
		},
	}
	homeFlag(cmd, &home)
	return cmd
}

func unhealthy(sts []devfleet.ComponentStatus) int {
	n := 0
	for _, st := range sts {
		if !st.Healthy {
			n++
		}
	}
	return n
}

// printStatus writes one row per process.
func printStatus(out io.Writer, sts []devfleet.ComponentStatus) {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "CLUSTER\tCOMPONENT\tPID\tPORT\tHEALTH\tLOG")
	for _, st := range sts {
		pid, health := "-", "healthy"
		if st.PID != 0 {
			pid = strconv.Itoa(st.PID)
		}
		if !st.Healthy {
			health = "unhealthy: " + st.Detail
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\n", st.Cluster, st.Component, pid, st.Port, health, st.LogPath)
	}
	_ = w.Flush()
}
