package failover

import (
	"slices"
	"sort"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	testingclock "k8s.io/utils/clock/testing"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func policy(tolerationSeconds, perMinute int32, back flotillav1alpha1.FailBackPolicy) *flotillav1alpha1.FailoverPolicy {
	return &flotillav1alpha1.FailoverPolicy{TolerationSeconds: tolerationSeconds, MaxEvictionsPerMinute: perMinute, FailBack: back}
}

func placement(names ...string) []flotillav1alpha1.ClusterStatus {
	var out []flotillav1alpha1.ClusterStatus
	for _, n := range names {
		out = append(out, flotillav1alpha1.ClusterStatus{Name: n, Replicas: 3})
	}
	return out
}

func lost(ago time.Duration) Health { return Health{Lost: true, LostSince: t0.Add(-ago)} }

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func evicted(d Decision) []string {
	var out []string
	for _, e := range d.Evictions {
		out = append(out, e.Cluster)
	}
	return out
}

func TestDecide(t *testing.T) {
	cases := []struct {
		name        string
		in          Input
		wantExclude []string
		wantHold    []string
		wantStarted []string
		wantEnded   []string
		wantRequeue time.Duration
	}{{
		name: "blip shorter than the tolerance moves nothing",
		in: Input{Policy: policy(30, 1, flotillav1alpha1.FailBackNever), Placement: placement("a", "b"),
			Health: map[string]Health{"a": lost(10 * time.Second), "b": {}}},
		wantHold: []string{"a"}, wantRequeue: 20 * time.Second,
	}, {
		name: "lost past the tolerance is evicted",
		in: Input{Policy: policy(30, 1, flotillav1alpha1.FailBackNever), Placement: placement("a", "b"),
			Health: map[string]Health{"a": lost(31 * time.Second), "b": {}}},
		wantExclude: []string{"a"}, wantStarted: []string{"a"},
	}, {
		name: "rate limit: the longest-lost goes first, the other waits for the window",
		in: Input{Policy: policy(30, 1, flotillav1alpha1.FailBackNever), Placement: placement("a", "b", "c"),
			Health: map[string]Health{"a": lost(40 * time.Second), "b": lost(90 * time.Second), "c": {}}},
		wantExclude: []string{"b"}, wantHold: []string{"a"}, wantStarted: []string{"b"}, wantRequeue: time.Minute,
	}, {
		name: "rate limit counts evictions of the last minute",
		in: Input{Policy: policy(0, 1, flotillav1alpha1.FailBackNever), Placement: placement("a", "b"),
			Health:    map[string]Health{"a": lost(time.Hour), "b": lost(time.Minute)},
			Evictions: []flotillav1alpha1.Eviction{{Cluster: "a", Replicas: 3, Since: metav1.NewTime(t0.Add(-20 * time.Second))}}},
		wantExclude: []string{"a"}, wantHold: []string{"b"}, wantRequeue: 40 * time.Second,
	}, {
		name: "fail back automatic ends the eviction when the cluster is healthy",
		in: Input{Policy: policy(30, 1, flotillav1alpha1.FailBackAutomatic), Placement: placement("b"),
			Health:    map[string]Health{"a": {}, "b": {}},
			Evictions: []flotillav1alpha1.Eviction{{Cluster: "a", Since: metav1.NewTime(t0.Add(-time.Hour))}}},
		wantEnded: []string{"a"},
	}, {
		name: "fail back never keeps a returned cluster excluded",
		in: Input{Policy: policy(30, 1, flotillav1alpha1.FailBackNever), Placement: placement("b"),
			Health:    map[string]Health{"a": {}, "b": {}},
			Evictions: []flotillav1alpha1.Eviction{{Cluster: "a", Since: metav1.NewTime(t0.Add(-time.Hour))}}},
		wantExclude: []string{"a"},
	}, {
		name: "an eviction of a cluster that left the fleet ends",
		in: Input{Policy: policy(30, 1, flotillav1alpha1.FailBackNever), Placement: placement("b"),
			Health:    map[string]Health{"b": {}},
			Evictions: []flotillav1alpha1.Eviction{{Cluster: "gone", Since: metav1.NewTime(t0.Add(-time.Hour))}}},
		wantEnded: []string{"gone"},
	}, {
		name: "failover disabled holds lost clusters forever",
		in: Input{Placement: placement("a", "b"), Health: map[string]Health{"a": lost(time.Hour), "b": {}},
			Evictions: []flotillav1alpha1.Eviction{{Cluster: "c"}}},
		wantHold: []string{"a"}, wantEnded: []string{"c"},
	}, {
		name: "a lost cluster outside the placement is not evicted",
		in: Input{Policy: policy(0, 5, flotillav1alpha1.FailBackNever), Placement: placement("b"),
			Health: map[string]Health{"a": lost(time.Hour), "b": {}}},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Now = t0
			d := Decide(tc.in)
			check := func(what string, got, want []string) {
				if !slices.Equal(got, want) {
					t.Errorf("%s = %v, want %v", what, got, want)
				}
			}
			check("exclude", keys(d.Exclude), tc.wantExclude)
			check("hold", keys(d.Hold), tc.wantHold)
			check("started", d.Started, tc.wantStarted)
			check("ended", d.Ended, tc.wantEnded)
			if d.RequeueAfter != tc.wantRequeue {
				t.Errorf("requeue = %v, want %v", d.RequeueAfter, tc.wantRequeue)
			}
			for _, e := range d.Evictions {
				if !d.Exclude[e.Cluster] {
					t.Errorf("eviction of %s is not excluded", e.Cluster)
				}
			}
		})
	}
}

// TestScenarioWithClock walks a cluster through a blip, a real loss and its return, advancing an
// injected clock, the way the reconciler would call Decide on each pass.
func TestScenarioWithClock(t *testing.T) {
	clk := testingclock.NewFakeClock(t0)
	pol := policy(30, 1, flotillav1alpha1.FailBackAutomatic)
	in := Input{Policy: pol, Placement: placement("a", "b")}
	step := func(health map[string]Health) Decision {
		in.Now = clk.Now()
		in.Health = health
		d := Decide(in)
		in.Evictions = d.Evictions
		return d
	}
	lostAt := clk.Now()
	clk.Step(20 * time.Second)
	if d := step(map[string]Health{"a": {Lost: true, LostSince: lostAt}, "b": {}}); len(d.Evictions) != 0 {
		t.Fatalf("evicted after 20s of a 30s tolerance: %v", evicted(d))
	}
	clk.Step(15 * time.Second)
	d := step(map[string]Health{"a": {Lost: true, LostSince: lostAt}, "b": {}})
	if !slices.Equal(evicted(d), []string{"a"}) || !d.Evictions[0].Since.Time.Equal(clk.Now()) {
		t.Fatalf("evictions after 35s = %+v, want a since now", d.Evictions)
	}
	in.Placement = placement("b") // the scheduler moved the replicas
	clk.Step(time.Minute)
	if d := step(map[string]Health{"a": {Lost: true, LostSince: lostAt}, "b": {}}); !d.Exclude["a"] {
		t.Fatal("a lost cluster under eviction must stay excluded")
	}
	clk.Step(time.Minute)
	if d := step(map[string]Health{"a": {}, "b": {}}); d.Exclude["a"] || !slices.Equal(d.Ended, []string{"a"}) {
		t.Fatalf("fail back: exclude=%v ended=%v, want a freed", keys(d.Exclude), d.Ended)
	}
}

func TestComplete(t *testing.T) {
	cases := []struct {
		name      string
		placement []flotillav1alpha1.ClusterStatus
		want      bool
	}{
		{"replacements ready", []flotillav1alpha1.ClusterStatus{{Name: "b", Replicas: 3, ReadyReplicas: 3}, {Name: "a", Replicas: 3}}, true},
		{"replacements starting", []flotillav1alpha1.ClusterStatus{{Name: "b", Replicas: 3, ReadyReplicas: 2}}, false},
		{"nothing placed elsewhere", []flotillav1alpha1.ClusterStatus{{Name: "a", Replicas: 3, ReadyReplicas: 3}}, false},
		{"ready count of an unreachable cluster is not trusted", []flotillav1alpha1.ClusterStatus{
			{Name: "b", Replicas: 3, ReadyReplicas: 3, Reachable: metav1.ConditionFalse}}, false},
	}
	for _, tc := range cases {
		if got := Complete(tc.placement, map[string]bool{"a": true}); got != tc.want {
			t.Errorf("%s: Complete = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCanRemove(t *testing.T) {
	removing := map[string]bool{"a": true}
	cases := []struct {
		name      string
		placement []flotillav1alpha1.ClusterStatus
		want      bool
	}{
		{"nothing else placed: the last copy stays", nil, false},
		{"only the removing cluster itself", []flotillav1alpha1.ClusterStatus{{Name: "a", Replicas: 3, ReadyReplicas: 3}}, false},
		{"new placement wants no replicas", []flotillav1alpha1.ClusterStatus{{Name: "b"}}, true},
		{"new placement not ready", []flotillav1alpha1.ClusterStatus{{Name: "b", Replicas: 3, ReadyReplicas: 1}}, false},
		{"new placement ready", []flotillav1alpha1.ClusterStatus{{Name: "b", Replicas: 3, ReadyReplicas: 3}}, true},
	}
	for _, tc := range cases {
		if got := CanRemove(tc.placement, removing); got != tc.want {
			t.Errorf("%s: CanRemove = %v, want %v", tc.name, got, tc.want)
		}
	}
}
