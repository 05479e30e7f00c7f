// Package dev implements `flotilla dev`: bringing the local fleet (a hub and member clusters
// on this machine, see internal/devfleet) up and down, showing its processes, building the
// pinned binaries it runs, and the sample traffic generator it runs (hidden `dev traffic`).
package dev

import (
	"context"

	"github.com/spf13/cobra"

	"flotilla.dev/flotilla/internal/cli/options"
	"flotilla.dev/flotilla/internal/devfleet"
)

// Config wires what `dev up` does once the fleet's clusters are up.
type Config struct {
	// AfterUp returns, for the choices of one `dev up`, what it does once the clusters are up:
	// join the members to the hub, start the hub controller, the sample traffic and Prometheus,
	// deploy the sample application. It runs on every `dev up` and must be idempotent. Nil
	// does nothing.
	AfterUp func(UpOptions) func(ctx context.Context, f *devfleet.Fleet) error
}

// UpOptions are the choices of `dev up` that reach Config.AfterUp.
type UpOptions struct {
	// NoTraffic leaves out the sample traffic generator and Prometheus, and removes them from a
	// fleet that runs them (--traffic=false).
	NoTraffic bool
}

// NewCommand returns `flotilla dev` with its subcommands.
func NewCommand(g *options.Global, cfg Config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run a local fleet (hub + member clusters) on this machine",
		Long: `The local fleet runs a hub API server and member clusters as processes on 127.0.0.1,
with simulated nodes and pods (KWOK). Its state lives in $FLOTILLA_HOME (default ~/.flotilla/dev).`,
	}
	cmd.AddCommand(newUpCommand(g, cfg), newStatusCommand(g), newDownCommand(g), newBinariesCommand(g), newTrafficCommand(g), newLoadCommand(g))
	return cmd
}

// homeFlag adds --home.
func homeFlag(cmd *cobra.Command, home *string) {
	cmd.Flags().StringVar(home, "home", "", "the fleet's folder (default: $"+devfleet.EnvHome+", then ~/.flotilla/dev)")
}

func resolveHome(home string) (string, error) {
	if home != "" {
		return home, nil
	}
	return devfleet.DefaultHome()
}

// loadFleet loads the fleet in home ("" means the default home).
func loadFleet(home string) (*devfleet.Fleet, error) {
	home, err := resolveHome(home)
	if err != nil {
		return nil, err
	}
	return devfleet.Load(home)
}
