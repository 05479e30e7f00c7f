package dev

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"flotilla.dev/flotilla/internal/cli/options"
	"flotilla.dev/flotilla/internal/devfleet"
	"flotilla.dev/flotilla/internal/devfleet/binaries"
)

func newUpCommand(g *options.Global, cfg Config) *cobra.Command {
	var home string
	trafficOn := true
	members := 3
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Start the local fleet, or reuse the one already running",
		Example: `  flotilla dev up
  flotilla dev up --members 5 --home /tmp/fleet
  flotilla dev up --traffic=false   # no sample traffic, no Prometheus`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if members < 1 || members > devfleet.MaxMembers {
				return &options.UsageError{Err: fmt.Errorf("--members is %d: choose between 1 and %d", members, devfleet.MaxMembers)}
			}
			home, err := resolveHome(home)
			if err != nil {
				return err
			}
			if f, err := devfleet.Load(home); err == nil && !cmd.Flags().Changed("members") {
				members = len(f.Members) // keep the running fleet's size unless asked otherwise
			}
			dir, err := binaries.Ensure(cmd.Context(), binaries.DefaultPins, g.ErrOut)
			if err != nil {
				return err
			}
			opts := devfleet.Options{Home: home, Members: members, BinariesDir: dir, Out: g.ErrOut}
			if cfg.AfterUp != nil {
				opts.AfterUp = cfg.AfterUp(UpOptions{NoTraffic: !trafficOn})
			}
			f, err := devfleet.Up(cmd.Context(), opts)
			if err != nil {
				return err
			}
			printSummary(g.Out, f)
			return nil
		},
	}
	cmd.Flags().IntVar(&members, "members", members, fmt.Sprintf("number of member clusters (1-%d); an existing fleet keeps its size", devfleet.MaxMembers))
	cmd.Flags().BoolVar(&trafficOn, "traffic", true, "simulate requests to the members' pods and run Prometheus on their metrics; --traffic=false removes both")
	homeFlag(cmd, &home)
	return cmd
}

// printSummary tells the user how to use the fleet.
func printSummary(out io.Writer, f *devfleet.Fleet) {
	var b strings.Builder
	fmt.Fprintf(&b, "The local fleet is up: hub + %d members in %s\n\n", len(f.Members), f.Home)
	fmt.Fprintf(&b, "Use the hub:\n  export KUBECONFIG=%s\n\n", f.Hub.KubeconfigPath)
	b.WriteString("Members (kubeconfigs):\n")
	for _, m := range f.Members {
		fmt.Fprintf(&b, "  %-10s %-9s %-11s %d nodes  %s\n", m.Name, m.Region, m.Zone, len(m.Nodes), m.KubeconfigPath)
	}
	if u := f.PrometheusURL(); u != "" {
		fmt.Fprintf(&b, "\nPrometheus (sample traffic, PromQL):\n  %s\n", u)
	}
	b.WriteString("\nNext:\n  flotilla get clusters\n  flotilla get apps -A\n  flotilla dev status\n  flotilla dev down\n")
	fmt.Fprint(out, b.String())
}
