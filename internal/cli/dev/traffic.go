package dev

import (
	"fmt"
	"net"

	"github.com/spf13/cobra"

	"flotilla.dev/flotilla/internal/cli/options"
	"flotilla.dev/flotilla/internal/devfleet/traffic"
)

// newTrafficCommand is `flotilla dev traffic`, the sample traffic generator that `dev up` runs
// as a process of the fleet. It is hidden: nobody needs to start it by hand.
func newTrafficCommand(g *options.Global) *cobra.Command {
	var home, healthAddr, metricsAddr string
	var o traffic.Options
	cmd := &cobra.Command{
		Use:   "traffic",
		Short: "Simulate requests to the pods of the local fleet's members and serve their metrics",
		Long: `Watches the pods of every member of the local fleet and counts simulated requests for
each Running and Ready pod in flotilla_sample_requests_total, served on /metrics for the fleet's
Prometheus. An image tag containing "errors" fails 30% of the requests ("errors50": 50%). 'flotilla
dev up' runs it; see docs/local-fleet.md.`,
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := loadFleet(home)
			if err != nil {
				return err
			}
			clusters, err := traffic.FleetClusters(f)
			if err != nil {
				return err
			}
			gen, err := traffic.New(clusters, o)
			if err != nil {
				return &options.UsageError{Err: err}
			}
			listeners, err := listen(healthAddr, metricsAddr)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.ErrOut, "simulating requests to the ready pods of %d members; metrics on http://%s/metrics\n", len(clusters), listeners[len(listeners)-1].Addr())
			return traffic.Serve(cmd.Context(), gen, listeners...)
		},
	}
	homeFlag(cmd, &home)
	fs := cmd.Flags()
	fs.StringVar(&healthAddr, "health-bind-address", "127.0.0.1:0", "address of /healthz and /readyz")
	fs.StringVar(&metricsAddr, "metrics-bind-address", "127.0.0.1:0", "address of /metrics")
	fs.IntVar(&o.Rate, "rate", 10, "requests per second of each ready pod")
	fs.DurationVar(&o.Interval, "interval", 0, "how often the counters advance (default 1s); rate x interval must be a whole number")
	return cmd
}

// listen opens a listener on each distinct address.
func listen(addrs ...string) ([]net.Listener, error) {
	var out []net.Listener
	seen := map[string]bool{}
	for _, addr := range addrs {
		if seen[addr] {
			continue
		}
		seen[addr] = true
		l, err := net.Listen("tcp", addr)
		if err != nil {
			for _, o := range out {
				_ = o.Close()
			}
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}
