package framework

import (
	"fmt"
	"sort"
)

// Factory builds a plugin from its arguments. Args is nil for the plugin's defaults, or the
// plugin's own Args struct (value or pointer); anything else is an error naming the plugin.
type Factory func(args any) (Plugin, error)

// Registry maps plugin names to their factories.
type Registry map[string]Factory

// Register adds a factory; registering a name twice is an error.
func (r Registry) Register(name string, f Factory) error {
	if _, ok := r[name]; ok {
		return fmt.Errorf("scheduler plugin %q is registered twice; give the second plugin another name", name)
	}
	r[name] = f
	return nil
}

// Merge adds every factory of other to r; a name present in both is an error.
func (r Registry) Merge(other Registry) error {
	for _, name := range other.Names() {
		if err := r.Register(name, other[name]); err != nil {
			return err
		}
	}
	return nil
}

// Names lists the registered plugin names, sorted.
func (r Registry) Names() []string {
	names := make([]string, 0, len(r))
	for n := range r {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// PluginConfig enables one plugin.
type PluginConfig struct {
	// Name of the plugin in the Registry.
	Name string
	// Args for the plugin's Factory; nil for defaults.
	Args any
	// Weight multiplies the plugin's scores; 0 means 1. Ignored for plugins that do not score.
	Weight int64
}

// MaxWeight bounds PluginConfig.Weight so that summed scores cannot overflow.
const MaxWeight int64 = 1000
