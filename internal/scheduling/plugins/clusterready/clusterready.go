package clusterready

import (
	"fmt"

	"flotilla.dev/flotilla/internal/scheduling/framework"
)

// Name is the plugin's registry name.
const Name = "ClusterReady"

// Plugin filters out clusters that are not Ready.
type Plugin struct{}

var _ framework.FilterPlugin = (*Plugin)(nil)

// New is the plugin's framework.Factory; it takes no arguments.
func New(args any) (framework.Plugin, error) {
	if args != nil {
		return nil, fmt.Errorf("%s takes no arguments, got %T", Name, args)
	}
	return &Plugin{}, nil
}

// Name implements framework.Plugin.
func (*Plugin) Name() string { return Name }

// Filter lets Ready clusters through.
func (*Plugin) Filter(_ *framework.CycleState, _ *framework.Workload, c *framework.Cluster) framework.FilterResult {
	if c.Ready {
		return framework.Fit()
	}
	return framework.Unfit("cluster is not Ready")
}
