// Package get is `flotilla get KIND [NAME]`: kubectl-style listings of Flotilla's objects in
// the hub. Each kind is one file here holding a kind value, listed in kinds: its texts, how to
// read its objects and its table. kind.go gives every kind the same command: -l, -o, -n and -A,
// name completion and usage errors.
package get

import (
	"github.com/spf13/cobra"
	"k8s.io/utils/clock"

	"flotilla.dev/flotilla/internal/cli/options"
	"flotilla.dev/flotilla/internal/cli/printers"
)

// Options are the flags every `get` kind shares.
type Options struct {
	// Output is the -o value.
	Output string
	// Selector is the -l value: a label selector.
	Selector string
	// Clock tells ages (injected in tests).
	Clock clock.PassiveClock
}

// kinds are the kinds `get` lists, one subcommand each. Add a kind by adding it here.
var kinds = []kind{clusters, apps, autoscalers, resourcePolicies}

// NewCommand returns `flotilla get`.
func NewCommand(g *options.Global) *cobra.Command {
	o := &Options{Clock: clock.RealClock{}}
	cmd := &cobra.Command{
		Use:   "get KIND [NAME]",
		Short: "List Flotilla objects in the hub (clusters, apps, autoscalers, resourcepolicies)",
		Long: `List Flotilla objects in the hub as a table, or print them as JSON or YAML.
The tables show what kubectl would, plus what matters across a fleet.`,
		Example: `  flotilla get clusters
  flotilla get clusters -o wide
  flotilla get clusters eu-west-1 -o yaml
  flotilla get autoscalers -A -o wide`,
	}
	printers.AddFlag(cmd.PersistentFlags(), &o.Output)
	cmd.PersistentFlags().StringVarP(&o.Selector, "selector", "l", "", "label selector, e.g. topology.flotilla.dev/region=eu")
	for _, k := range kinds {
		cmd.AddCommand(k.command(g, o))
	}
	return cmd
}
