package tainttoleration

import (
	"fmt"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/scheduling/framework"
)

// Name is the plugin's registry name.
const Name = "TaintToleration"

// DefaultPenaltyPerTaint is the score lost per untolerated PreferNoSchedule taint.
const DefaultPenaltyPerTaint int64 = 50

// Args configure the plugin.
type Args struct {
	// PenaltyPerTaint is the score lost per untolerated PreferNoSchedule taint, 1 to 100;
	// 0 means DefaultPenaltyPerTaint.
	PenaltyPerTaint int64
}

// Plugin filters and scores clusters by their taints.
type Plugin struct {
	penalty int64
}

var (
	_ framework.FilterPlugin = (*Plugin)(nil)
	_ framework.ScorePlugin  = (*Plugin)(nil)
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
		return nil, fmt.Errorf("%s takes tainttoleration.Args, got %T", Name, args)
	}
	if a.PenaltyPerTaint == 0 {
		a.PenaltyPerTaint = DefaultPenaltyPerTaint
	}
	if a.PenaltyPerTaint < 1 || a.PenaltyPerTaint > framework.MaxScore {
		return nil, fmt.Errorf("%s: penaltyPerTaint %d is out of range; use 1 to %d", Name, a.PenaltyPerTaint, framework.MaxScore)
	}
	return &Plugin{penalty: a.PenaltyPerTaint}, nil
}

// Name implements framework.Plugin.
func (*Plugin) Name() string { return Name }

// Filter rejects a cluster with an untolerated NoExecute taint, or an untolerated NoSchedule
// taint when the workload does not run there yet.
func (*Plugin) Filter(_ *framework.CycleState, w *framework.Workload, c *framework.Cluster) framework.FilterResult {
	tols := tolerations(w)
	_, placed := w.Held(c.Name)
	for i := range c.Taints {
		t := &c.Taints[i]
		switch {
		case t.Effect == flotillav1alpha1.TaintEffectPreferNoSchedule:
			continue
		case t.Effect == flotillav1alpha1.TaintEffectNoSchedule && placed:
			continue
		case Tolerated(t, tols):
			continue
		}
		return framework.Unfit("taint %s=%s:%s is not tolerated by spec.placement.tolerations", t.Key, t.Value, t.Effect)
	}
	return framework.Fit()
}

// Score is MaxScore minus the penalty for each untolerated PreferNoSchedule taint, at least
// MinScore.
func (p *Plugin) Score(_ *framework.CycleState, w *framework.Workload, c *framework.Cluster) int64 {
	tols := tolerations(w)
	score := framework.MaxScore
	for i := range c.Taints {
		t := &c.Taints[i]
		if t.Effect == flotillav1alpha1.TaintEffectPreferNoSchedule && !Tolerated(t, tols) {
			score -= p.penalty
		}
	}
	return max(score, framework.MinScore)
}

func tolerations(w *framework.Workload) []flotillav1alpha1.ClusterToleration {
	if w.Placement == nil {
		return nil
	}
	return w.Placement.Tolerations
}

// Tolerated reports whether any toleration tolerates the taint.
func Tolerated(t *flotillav1alpha1.ClusterTaint, tols []flotillav1alpha1.ClusterToleration) bool {
	for i := range tols {
		if Tolerates(&tols[i], t) {
			return true
		}
	}
	return false
}

// Tolerates applies the node-taint rules to clusters: an empty effect matches every effect; an
// empty key with operator Exists matches every taint; Exists matches any value of the key;
// Equal (the default) needs the same value.
func Tolerates(tol *flotillav1alpha1.ClusterToleration, t *flotillav1alpha1.ClusterTaint) bool {
	if tol.Effect != "" && tol.Effect != t.Effect {
		return false
	}
	if tol.Key == "" {
		return tol.Operator == flotillav1alpha1.TolerationOpExists
	}
	if tol.Key != t.Key {
		return false
	}
	switch tol.Operator {
	case flotillav1alpha1.TolerationOpExists:
		return true
	case flotillav1alpha1.TolerationOpEqual, "":
		return tol.Value == t.Value
	}
	return false
}
