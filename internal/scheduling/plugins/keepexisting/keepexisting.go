package keepexisting

import (
	"fmt"

	"flotilla.dev/flotilla/internal/scheduling/framework"
)

// Name is the plugin's registry name.
const Name = "KeepExisting"

// Args configure the plugin.
type Args struct {
	// Bonus is the score, 1 to 100, of a cluster of the current placement; 0 means 100.
	// Other clusters score 0.
	Bonus int64
}

// Plugin scores clusters of the current placement higher.
type Plugin struct {
	bonus int64
}

var _ framework.ScorePlugin = (*Plugin)(nil)

// New is the plugin's framework.Factory; args is nil, Args or *Args.
func New(args any) (framework.Plugin, error) {
	var a Args
	switch v := args.(type) {
	case nil:
	case Args:
		a = v
	case *Args:
		if v != nil {
			a = *v
		}
	default:
		return nil, fmt.Errorf("%s takes keepexisting.Args, got %T", Name, args)
	}
	if a.Bonus == 0 {
		a.Bonus = framework.MaxScore
	}
	if a.Bonus < 1 || a.Bonus > framework.MaxScore {
		return nil, fmt.Errorf("%s: bonus %d is out of range; use 1 to %d", Name, a.Bonus, framework.MaxScore)
	}
	return &Plugin{bonus: a.Bonus}, nil
}

// Name implements framework.Plugin.
func (*Plugin) Name() string { return Name }

// Score is the bonus for a cluster of the current placement, 0 otherwise.
func (p *Plugin) Score(_ *framework.CycleState, w *framework.Workload, c *framework.Cluster) int64 {
	if _, ok := w.Held(c.Name); ok {
		return p.bonus
	}
	return framework.MinScore
}
