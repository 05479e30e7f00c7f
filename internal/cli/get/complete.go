package get

import (
	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/internal/cli/options"
)

// CompleteClusterNames completes the first argument with the names of the member clusters in
// the hub; other commands that take a cluster name (unjoin, ...) use it too.
func CompleteClusterNames(g *options.Global) cobra.CompletionFunc {
	return clusters.complete(g)
}

// CompleteApplicationNames completes the first argument with the names of the Applications in
// the namespace of the command line (-n, else the kubeconfig context's); commands that take an
// Application name (rollout ...) use it.
func CompleteApplicationNames(g *options.Global) cobra.CompletionFunc {
	return apps.complete(g)
}

// complete completes the first argument with the names of the objects of k (in the effective
// namespace when k is namespaced).
func (k kind) complete(g *options.Global) cobra.CompletionFunc {
	return completeNames(g, k.namespaced, k.newList)
}

// completeNames completes the first argument with the names of the objects newList lists, in the
// effective namespace when namespaced.
func completeNames(g *options.Global, namespaced bool, newList func() client.ObjectList) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		c, err := g.Client()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		var opts []client.ListOption
		if namespaced {
			ns, err := g.EffectiveNamespace()
			if err != nil {
				return nil, cobra.ShellCompDirectiveError
			}
			opts = append(opts, client.InNamespace(ns))
		}
		list := newList()
		if err := c.List(cmd.Context(), list, opts...); err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		items, err := meta.ExtractList(list)
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		names := make([]cobra.Completion, 0, len(items))
		for _, item := range items {
			if o, err := meta.Accessor(item); err == nil {
				names = append(names, o.GetName())
			}
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}
