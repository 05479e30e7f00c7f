package scheduling

import (
	"flotilla.dev/flotilla/internal/scheduling/framework"
	"flotilla.dev/flotilla/internal/scheduling/plugins/capacity"
	"flotilla.dev/flotilla/internal/scheduling/plugins/clusternames"
	"flotilla.dev/flotilla/internal/scheduling/plugins/clusterready"
	"flotilla.dev/flotilla/internal/scheduling/plugins/clusterselector"
	"flotilla.dev/flotilla/internal/scheduling/plugins/keepexisting"
	"flotilla.dev/flotilla/internal/scheduling/plugins/tainttoleration"
)

// DefaultRegistry returns a new registry holding every in-tree plugin.
func DefaultRegistry() framework.Registry {
	return framework.Registry{
		clusternames.Name:    clusternames.New,
		clusterselector.Name: clusterselector.New,
		clusterready.Name:    clusterready.New,
		tainttoleration.Name: tainttoleration.New,
		capacity.Name:        capacity.New,
		keepexisting.Name:    keepexisting.New,
	}
}

// DefaultPlugins is the default plugin configuration, in filter order: the user's explicit
// choices first (names, selector), then health, taints and capacity. Every score plugin has
// weight 1, so KeepExisting's bonus weighs as much as a full capacity or taint score.
func DefaultPlugins() []framework.PluginConfig {
	return []framework.PluginConfig{
		{Name: clusternames.Name},
		{Name: clusterselector.Name},
		{Name: clusterready.Name},
		{Name: tainttoleration.Name},
		{Name: capacity.Name},
		{Name: keepexisting.Name},
	}
}
