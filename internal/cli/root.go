// Package cli is the command tree of the flotilla binary. Each verb lives in its own package
// under internal/cli/<verb>; this package only assembles them and maps errors to exit codes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"flotilla.dev/flotilla/internal/app/devup"
	"flotilla.dev/flotilla/internal/cli/apply"
	"flotilla.dev/flotilla/internal/cli/audit"
	"flotilla.dev/flotilla/internal/cli/console"
	"flotilla.dev/flotilla/internal/cli/controller"
	"flotilla.dev/flotilla/internal/cli/describe"
	"flotilla.dev/flotilla/internal/cli/dev"
	"flotilla.dev/flotilla/internal/cli/get"
	"flotilla.dev/flotilla/internal/cli/join"
	"flotilla.dev/flotilla/internal/cli/options"
	"flotilla.dev/flotilla/internal/cli/rollout"
	"flotilla.dev/flotilla/internal/cli/scale"
	"flotilla.dev/flotilla/internal/cli/tuning"
	"flotilla.dev/flotilla/internal/cli/unjoin"
	"flotilla.dev/flotilla/internal/devfleet"
)

// NewRootCommand returns the flotilla command with every subcommand attached.
func NewRootCommand(out, errOut io.Writer) *cobra.Command {
	g := options.NewGlobal(out, errOut)
	root := &cobra.Command{
		Use:   "flotilla",
		Short: "Run applications across many Kubernetes clusters as one fleet",
		Long: `Flotilla places applications on a fleet of Kubernetes clusters, releases them
safely cluster by cluster, scales them fleet-wide and tunes their resources in place.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(out)
	root.SetErr(errOut)
	g.AddFlags(root.PersistentFlags())
	root.AddCommand(subcommands(g)...)
	return root
}

// subcommands builds the top-level verbs, one package each under internal/cli.
func subcommands(g *options.Global) []*cobra.Command {
	return []*cobra.Command{
		controller.NewCommand(g),
		dev.NewCommand(g, dev.Config{AfterUp: func(up dev.UpOptions) func(context.Context, *devfleet.Fleet) error {
			return devup.AfterUp(devup.Options{Out: g.ErrOut, SkipTraffic: up.NoTraffic})
		}}),
		join.NewCommand(g),
		unjoin.NewCommand(g),
		get.NewCommand(g),
		apply.NewCommand(g),
		describe.NewCommand(g),
		rollout.NewCommand(g),
		scale.NewCommand(g),
		tuning.NewCommand(g),
		console.NewCommand(g),
		audit.NewCommand(g),
	}
}

// Execute runs the command line and returns the process exit code: 0 on success, 1 on a failed
// command, 2 on a usage error. Errors are printed as one line on errOut.
func Execute(ctx context.Context, args []string, out, errOut io.Writer) int {
	root := NewRootCommand(out, errOut)
	root.SetArgs(args)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &options.UsageError{Err: fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())}
	})
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintf(errOut, "error: %v\n", err)
	var usage *options.UsageError
	if errors.As(err, &usage) {
		return 2
	}
	return 1
}
