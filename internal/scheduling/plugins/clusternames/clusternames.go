package clusternames

import (
	"fmt"

	"flotilla.dev/flotilla/internal/scheduling/framework"
)

// Name is the plugin's registry name.
const Name = "ClusterNames"

// Plugin filters clusters by spec.placement.clusterNames.
type Plugin struct{}

var (
	_ framework.PreFilterPlugin = (*Plugin)(nil)
	_ framework.FilterPlugin    = (*Plugin)(nil)
)

// New is the plugin's framework.Factory; it takes no arguments.
func New(args any) (framework.Plugin, error) {
	if args != nil {
		return nil, fmt.Errorf("%s takes no arguments, got %T", Name, args)
	}
	return &Plugin{}, nil
}

// Name implements framework.Plugin.
func (*Plugin) Name() string { return Name }

// names is the set of allowed names; nil when placement names none.
type names map[string]struct{}

// PreFilter builds the set of allowed names once per cycle.
func (*Plugin) PreFilter(state *framework.CycleState, w *framework.Workload) error {
	if w.Placement == nil || len(w.Placement.ClusterNames) == 0 {
		state.Write(Name, names(nil))
		return nil
	}
	set := make(names, len(w.Placement.ClusterNames))
	for _, n := range w.Placement.ClusterNames {
		set[n] = struct{}{}
	}
	state.Write(Name, set)
	return nil
}

// Filter lets a cluster through when no names are set or the names include it.
func (*Plugin) Filter(state *framework.CycleState, w *framework.Workload, c *framework.Cluster) framework.FilterResult {
	set, ok := state.Read(Name).(names)
	if !ok { // PreFilter did not run: compute directly.
		if w.Placement == nil || len(w.Placement.ClusterNames) == 0 {
			return framework.Fit()
		}
		for _, n := range w.Placement.ClusterNames {
			if n == c.Name {
				return framework.Fit()
			}
		}
		return framework.Unfit("not listed in spec.placement.clusterNames")
	}
	if set == nil {
		return framework.Fit()
	}
	if _, in := set[c.Name]; in {
		return framework.Fit()
	}
	return framework.Unfit("not listed in spec.placement.clusterNames")
}
