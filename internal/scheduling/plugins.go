package scheduling

import (
	"flotilla.dev/flotilla/internal/scheduling/framework"
)

// DefaultRegistry returns a new registry holding every in-tree plugin.
func DefaultRegistry() framework.Registry {
	return framework.Registry{}
}

// DefaultPlugins is the default plugin configuration, in filter order.
func DefaultPlugins() []framework.PluginConfig {
	return nil
}
