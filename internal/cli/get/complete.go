package get

import (
	"github.com/spf13/cobra"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/options"
)

// CompleteClusterNames completes the first argument with the names of the member clusters in
// the hub; other commands that take a cluster name (unjoin, ...) use it too.
func CompleteClusterNames(g *options.Global) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		c, err := g.Client()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		var list flotillav1alpha1.MemberClusterList
		if err := c.List(cmd.Context(), &list); err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		names := make([]cobra.Completion, len(list.Items))
		for i := range list.Items {
			names[i] = list.Items[i].Name
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}
