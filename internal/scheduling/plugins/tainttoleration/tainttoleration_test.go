package tainttoleration

import (
	"testing"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/scheduling/framework"
)

var (
	noSchedule = flotillav1alpha1.ClusterTaint{Key: "maintenance", Value: "true", Effect: flotillav1alpha1.TaintEffectNoSchedule}
	noExecute  = flotillav1alpha1.ClusterTaint{Key: "decommission", Effect: flotillav1alpha1.TaintEffectNoExecute}
	prefer     = flotillav1alpha1.ClusterTaint{Key: "spot", Value: "yes", Effect: flotillav1alpha1.TaintEffectPreferNoSchedule}
	prefer2    = flotillav1alpha1.ClusterTaint{Key: "expensive", Effect: flotillav1alpha1.TaintEffectPreferNoSchedule}
)

func TestFilter(t *testing.T) {
	tests := []struct {
		name   string
		taints []flotillav1alpha1.ClusterTaint
		tols   []flotillav1alpha1.ClusterToleration
		placed bool
		fits   bool
	}{
		{"no taints", nil, nil, false, true},
		{"NoSchedule not tolerated", []flotillav1alpha1.ClusterTaint{noSchedule}, nil, false, false},
		{"NoSchedule tolerated by Equal", []flotillav1alpha1.ClusterTaint{noSchedule},
			[]flotillav1alpha1.ClusterToleration{{Key: "maintenance", Value: "true"}}, false, true},
		{"NoSchedule, other value", []flotillav1alpha1.ClusterTaint{noSchedule},
			[]flotillav1alpha1.ClusterToleration{{Key: "maintenance", Value: "false", Operator: flotillav1alpha1.TolerationOpEqual}}, false, false},
		{"NoSchedule kept where already placed", []flotillav1alpha1.ClusterTaint{noSchedule}, nil, true, true},
		{"NoExecute not tolerated even where placed", []flotillav1alpha1.ClusterTaint{noExecute}, nil, true, false},
		{"NoExecute tolerated by Exists", []flotillav1alpha1.ClusterTaint{noExecute},
			[]flotillav1alpha1.ClusterToleration{{Key: "decommission", Operator: flotillav1alpha1.TolerationOpExists}}, false, true},
		{"toleration for another effect", []flotillav1alpha1.ClusterTaint{noExecute},
			[]flotillav1alpha1.ClusterToleration{{Key: "decommission", Operator: flotillav1alpha1.TolerationOpExists, Effect: flotillav1alpha1.TaintEffectNoSchedule}}, false, false},
		{"tolerate everything", []flotillav1alpha1.ClusterTaint{noExecute, noSchedule},
			[]flotillav1alpha1.ClusterToleration{{Operator: flotillav1alpha1.TolerationOpExists}}, false, true},
		{"empty key with Equal tolerates nothing", []flotillav1alpha1.ClusterTaint{noExecute},
			[]flotillav1alpha1.ClusterToleration{{}}, false, false},
		{"PreferNoSchedule never filters", []flotillav1alpha1.ClusterTaint{prefer}, nil, false, true},
		{"one of two untolerated", []flotillav1alpha1.ClusterTaint{noSchedule, noExecute},
			[]flotillav1alpha1.ClusterToleration{{Key: "maintenance", Operator: flotillav1alpha1.TolerationOpExists}}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := New(nil)
			w := &framework.Workload{Placement: &flotillav1alpha1.Placement{Tolerations: tt.tols}}
			if tt.placed {
				w.Previous = map[string]int32{"c": 2}
			}
			got := p.(framework.FilterPlugin).Filter(nil, w, &framework.Cluster{Name: "c", Taints: tt.taints})
			if got.Fits != tt.fits {
				t.Errorf("Filter = %+v, want fits=%v", got, tt.fits)
			}
			if !got.Fits && got.Reason == "" {
				t.Error("a rejection needs a reason")
			}
		})
	}
}

func TestScore(t *testing.T) {
	tests := []struct {
		name   string
		args   any
		taints []flotillav1alpha1.ClusterTaint
		tols   []flotillav1alpha1.ClusterToleration
		want   int64
	}{
		{"no taints", nil, nil, nil, 100},
		{"NoSchedule does not score", nil, []flotillav1alpha1.ClusterTaint{noSchedule}, nil, 100},
		{"one PreferNoSchedule", nil, []flotillav1alpha1.ClusterTaint{prefer}, nil, 50},
		{"two PreferNoSchedule", nil, []flotillav1alpha1.ClusterTaint{prefer, prefer2}, nil, 0},
		{"tolerated PreferNoSchedule", nil, []flotillav1alpha1.ClusterTaint{prefer},
			[]flotillav1alpha1.ClusterToleration{{Key: "spot", Value: "yes"}}, 100},
		{"penalty 30, three taints floors at 0", Args{PenaltyPerTaint: 30},
			[]flotillav1alpha1.ClusterTaint{prefer, prefer2, {Key: "x", Effect: flotillav1alpha1.TaintEffectPreferNoSchedule}, {Key: "y", Effect: flotillav1alpha1.TaintEffectPreferNoSchedule}}, nil, 0},
		{"penalty 30, one taint", &Args{PenaltyPerTaint: 30}, []flotillav1alpha1.ClusterTaint{prefer}, nil, 70},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			w := &framework.Workload{Placement: &flotillav1alpha1.Placement{Tolerations: tt.tols}}
			if got := p.(framework.ScorePlugin).Score(nil, w, &framework.Cluster{Name: "c", Taints: tt.taints}); got != tt.want {
				t.Errorf("Score = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestNewValidatesArgs(t *testing.T) {
	for _, args := range []any{Args{PenaltyPerTaint: -5}, Args{PenaltyPerTaint: 101}, 3} {
		if _, err := New(args); err == nil {
			t.Errorf("New(%#v) accepted bad arguments", args)
		}
	}
}
