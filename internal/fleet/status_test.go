package fleet

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/fleet/capacity"
	"flotilla.dev/flotilla/internal/fleet/credentials"
)

func TestComputeStatusConditions(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	node := func(ready bool) capacity.Node {
		return capacity.Node{Name: "n", Ready: ready, Allocatable: capacity.Resources{MilliCPU: 4000, Memory: 8 << 30, Pods: 110},
			Requested: capacity.Resources{MilliCPU: 1000, Memory: 1 << 30, Pods: 3}}
	}
	unauthorized := fmt.Errorf("%w; fix it", credentials.ErrUnauthorized)
	tests := []struct {
		name                   string
		obs                    Observation
		wantReachable, wantRdy metav1.ConditionStatus
		wantReason             string
		wantNodes              flotillav1alpha1.NodeCount
	}{
		{"reachable with ready nodes", Observation{Health: HealthState{Verdict: Reachable, Since: t0}, Synced: true,
			Nodes: []capacity.Node{node(true), node(false)}, Version: "v1.35.4"},
			metav1.ConditionTrue, metav1.ConditionTrue, flotillav1alpha1.ReasonNodesReady, flotillav1alpha1.NodeCount{Total: 2, Ready: 1}},
		{"reachable without ready nodes", Observation{Health: HealthState{Verdict: Reachable, Since: t0}, Synced: true,
			Nodes: []capacity.Node{node(false)}},
			metav1.ConditionTrue, metav1.ConditionFalse, flotillav1alpha1.ReasonNoReadyNodes, flotillav1alpha1.NodeCount{Total: 1}},
		{"failing within the threshold stays reachable", Observation{Health: HealthState{Verdict: Reachable, Since: t0, ContradictedSince: t0},
			Problem: errors.New("boom"), Synced: true, Nodes: []capacity.Node{node(true)}},
			metav1.ConditionTrue, metav1.ConditionTrue, flotillav1alpha1.ReasonNodesReady, flotillav1alpha1.NodeCount{Total: 1, Ready: 1}},
		{"unreachable because unauthorized", Observation{Health: HealthState{Verdict: Unreachable, Since: t0}, Problem: unauthorized},
			metav1.ConditionFalse, metav1.ConditionFalse, flotillav1alpha1.ReasonUnauthorized, flotillav1alpha1.NodeCount{}},
		{"reachable, node cache not synced yet", Observation{Health: HealthState{Verdict: Reachable, Since: t0}},
			metav1.ConditionTrue, metav1.ConditionUnknown, flotillav1alpha1.ReasonAwaitingFirstProbe, flotillav1alpha1.NodeCount{}},
		{"never probed", Observation{},
			metav1.ConditionUnknown, metav1.ConditionUnknown, flotillav1alpha1.ReasonAwaitingFirstProbe, flotillav1alpha1.NodeCount{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.obs.Now, tt.obs.Generation = t0.Add(time.Minute), 3
			st := ComputeStatus(flotillav1alpha1.MemberClusterStatus{}, tt.obs)
			r := meta.FindStatusCondition(st.Conditions, flotillav1alpha1.ConditionReachable)
			rd := meta.FindStatusCondition(st.Conditions, flotillav1alpha1.ConditionReady)
			if r == nil || rd == nil {
				t.Fatalf("missing conditions: %+v", st.Conditions)
			}
			if r.Status != tt.wantReachable || rd.Status != tt.wantRdy || rd.Reason != tt.wantReason {
				t.Fatalf("Reachable=%s Ready=%s/%s, want %s %s/%s", r.Status, rd.Status, rd.Reason, tt.wantReachable, tt.wantRdy, tt.wantReason)
			}
			if st.Nodes != tt.wantNodes || st.ObservedGeneration != 3 || rd.ObservedGeneration != 3 {
				t.Fatalf("nodes %+v generation %d", st.Nodes, st.ObservedGeneration)
			}
		})
	}
}

func TestComputeStatusKeepsCountsUntilCacheSynced(t *testing.T) {
	old := flotillav1alpha1.MemberClusterStatus{Nodes: flotillav1alpha1.NodeCount{Total: 3, Ready: 3}}
	st := ComputeStatus(old, Observation{Now: time.Now(), Health: HealthState{Verdict: Reachable}})
	if st.Nodes != old.Nodes || !IsReady(&st) {
		t.Fatalf("unsynced cache must keep the last counts: %+v ready=%v", st.Nodes, IsReady(&st))
	}
}

func TestComputeStatusCapacity(t *testing.T) {
	nodes := []capacity.Node{{Name: "a", Ready: true, Allocatable: capacity.Resources{MilliCPU: 4000, Memory: 4 << 30, Pods: 10},
		Requested: capacity.Resources{MilliCPU: 1500, Memory: 1 << 30, Pods: 2}}}
	st := ComputeStatus(flotillav1alpha1.MemberClusterStatus{}, Observation{Now: time.Now(), Health: HealthState{Verdict: Reachable}, Synced: true, Nodes: nodes})
	if got := st.Resources.Available.Cpu().MilliValue(); got != 2500 {
		t.Fatalf("available cpu = %dm, want 2500m", got)
	}
	if got := st.Resources.Available.Pods().Value(); got != 8 {
		t.Fatalf("available pods = %d, want 8", got)
	}
}

func TestNeedsWrite(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	probed := func(at time.Time, version string) *flotillav1alpha1.MemberClusterStatus {
		tm := metav1.NewTime(at)
		return &flotillav1alpha1.MemberClusterStatus{LastProbeTime: &tm, KubernetesVersion: version}
	}
	refresh := 30 * time.Second
	tests := []struct {
		name      string
		old, next *flotillav1alpha1.MemberClusterStatus
		now       time.Time
		want      bool
	}{
		{"nothing but the probe time changed, recently written", probed(t0, "v1"), probed(t0.Add(5*time.Second), "v1"), t0.Add(5 * time.Second), false},
		{"probe time stale", probed(t0, "v1"), probed(t0.Add(31*time.Second), "v1"), t0.Add(31 * time.Second), true},
		{"version changed", probed(t0, "v1"), probed(t0.Add(time.Second), "v2"), t0.Add(time.Second), true},
		{"never written", &flotillav1alpha1.MemberClusterStatus{}, probed(t0, ""), t0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NeedsWrite(tt.old, tt.next, tt.now, refresh); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTopologyLabels(t *testing.T) {
	tests := []struct {
		name         string
		in           map[string]string
		region, zone string
		want         map[string]string
		changed      bool
	}{
		{"adds", nil, "eu", "eu-a", map[string]string{flotillav1alpha1.LabelRegion: "eu", flotillav1alpha1.LabelZone: "eu-a"}, true},
		{"keeps others and is stable", map[string]string{"x": "y", flotillav1alpha1.LabelRegion: "eu"}, "eu", "",
			map[string]string{"x": "y", flotillav1alpha1.LabelRegion: "eu"}, false},
		{"removes when spec cleared", map[string]string{flotillav1alpha1.LabelZone: "a"}, "", "", map[string]string{}, true},
		{"nothing to do", nil, "", "", map[string]string{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed := TopologyLabels(tt.in, tt.region, tt.zone)
			if changed != tt.changed || len(got) != len(tt.want) {
				t.Fatalf("got %v changed=%v, want %v changed=%v", got, changed, tt.want, tt.changed)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Fatalf("label %s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}
