package capacity

import (
	"fmt"

	"flotilla.dev/flotilla/internal/scheduling/framework"
)

// Name is the plugin's registry name.
const Name = "Capacity"

// DefaultUnknownScore is the score of a cluster whose capacity is unknown.
const DefaultUnknownScore int64 = 50

// Args configure the plugin.
type Args struct {
	// UnknownScore is the score, 0 to 100, of a cluster of unknown capacity when capacity is
	// advice only; nil means DefaultUnknownScore.
	UnknownScore *int64
}

// Plugin filters and scores clusters by their room for more replicas.
type Plugin struct {
	unknownScore int64
}

var (
	_ framework.FilterPlugin    = (*Plugin)(nil)
	_ framework.ScorePlugin     = (*Plugin)(nil)
	_ framework.ScoreNormalizer = (*Plugin)(nil)
)

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
		return nil, fmt.Errorf("%s takes capacity.Args, got %T", Name, args)
	}
	p := &Plugin{unknownScore: DefaultUnknownScore}
	if a.UnknownScore != nil {
		p.unknownScore = *a.UnknownScore
	}
	if p.unknownScore < framework.MinScore || p.unknownScore > framework.MaxScore {
		return nil, fmt.Errorf("%s: unknownScore %d is out of range; use %d to %d", Name, p.unknownScore, framework.MinScore, framework.MaxScore)
	}
	return p, nil
}

// Name implements framework.Plugin.
func (*Plugin) Name() string { return Name }

// Room is how many replicas of the workload the cluster can hold in all: its AvailableReplicas
// plus what the workload holds there now; framework.UnknownCapacity when not estimated.
func Room(w *framework.Workload, c *framework.Cluster) int64 {
	if c.AvailableReplicas < 0 {
		return int64(framework.UnknownCapacity)
	}
	held, _ := w.Held(c.Name)
	return int64(c.AvailableReplicas) + int64(max(held, 0))
}

// Filter rejects, for Divided by AvailableCapacity only, clusters of unknown or no room.
func (*Plugin) Filter(_ *framework.CycleState, w *framework.Workload, c *framework.Cluster) framework.FilterResult {
	if !w.ByCapacity() {
		return framework.Fit()
	}
	switch room := Room(w, c); {
	case room < 0:
		return framework.Unfit("capacity unknown: the cluster's room for this pod template has not been estimated yet")
	case room == 0:
		return framework.Unfit("no room for one more replica of this pod template")
	}
	return framework.Fit()
}

// Score returns the cluster's room for AvailableCapacity (normalized later), or how much of the
// full replica count its room covers, 0-100, otherwise.
func (p *Plugin) Score(_ *framework.CycleState, w *framework.Workload, c *framework.Cluster) int64 {
	room := Room(w, c)
	if w.ByCapacity() {
		return max(room, 0)
	}
	switch {
	case room < 0:
		return p.unknownScore
	case w.Replicas <= 0 || room >= int64(w.Replicas):
		return framework.MaxScore
	}
	return room * framework.MaxScore / int64(w.Replicas)
}

// NormalizeScore rescales AvailableCapacity rooms to 0-100 relative to the largest room.
func (*Plugin) NormalizeScore(_ *framework.CycleState, w *framework.Workload, _ []*framework.Cluster, scores []int64) {
	if !w.ByCapacity() {
		return
	}
	var top int64
	for _, s := range scores {
		top = max(top, s)
	}
	if top == 0 {
		return
	}
	for i, s := range scores {
		scores[i] = s * framework.MaxScore / top
	}
}
