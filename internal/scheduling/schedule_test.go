package scheduling

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/scheduling/framework"
	"flotilla.dev/flotilla/internal/scheduling/plugins/clusterready"
)

func TestSchedule(t *testing.T) {
	sw, ac := flotillav1alpha1.ReplicaDivisionStaticWeights, flotillav1alpha1.ReplicaDivisionAvailableCapacity
	eu := Cluster{Name: "eu", Ready: true, AvailableReplicas: 50, Labels: map[string]string{"region": "eu"}}
	us := Cluster{Name: "us", Ready: true, AvailableReplicas: 50, Labels: map[string]string{"region": "us"}}
	ap := Cluster{Name: "ap", Ready: true, AvailableReplicas: 50, Labels: map[string]string{"region": "ap"}}
	down := Cluster{Name: "down", Ready: false, AvailableReplicas: 50}
	noSchedule := Cluster{Name: "tainted", Ready: true, AvailableReplicas: 50,
		Taints: []flotillav1alpha1.ClusterTaint{{Key: "maintenance", Effect: flotillav1alpha1.TaintEffectNoSchedule}}}
	prefer := Cluster{Name: "spot", Ready: true, AvailableReplicas: 50,
		Taints: []flotillav1alpha1.ClusterTaint{{Key: "spot", Effect: flotillav1alpha1.TaintEffectPreferNoSchedule}}}

	tests := []struct {
		name          string
		in            Input
		want          string // placed(Decision.Clusters)
		unschedulable string // substring of Decision.Unschedulable; "" means it must be empty
	}{
		// Duplicated
		{"duplicated: every ready cluster gets all replicas", Input{Replicas: 3, Clusters: ready("c", "a", "b")}, "a=3 b=3 c=3", ""},
		{"duplicated: clusterNames", Input{Replicas: 2, Clusters: ready("a", "b", "c"),
			Placement: flotillav1alpha1.Placement{ClusterNames: []string{"c", "a"}}}, "a=2 c=2", ""},
		{"duplicated: selector with matchExpressions", Input{Replicas: 2, Clusters: []Cluster{eu, us, ap},
			Placement: flotillav1alpha1.Placement{ClusterSelector: labelSelector("region", "eu", "ap")}}, "ap=2 eu=2", ""},
		{"not Ready clusters are left out", Input{Replicas: 1, Clusters: []Cluster{eu, down}}, "eu=1", ""},
		{"excluded clusters are left out", Input{Replicas: 1, Clusters: []Cluster{eu, us}, Excluded: map[string]bool{"us": true}}, "eu=1", ""},
		{"NoSchedule taint keeps new workloads away", Input{Replicas: 1, Clusters: []Cluster{eu, noSchedule}}, "eu=1", ""},
		{"NoSchedule taint keeps a workload already there", Input{Replicas: 1, Clusters: []Cluster{eu, noSchedule},
			Previous: prev("tainted=1")}, "eu=1 tainted=1", ""},
		{"tolerated NoSchedule taint", Input{Replicas: 1, Clusters: []Cluster{eu, noSchedule},
			Placement: flotillav1alpha1.Placement{Tolerations: []flotillav1alpha1.ClusterToleration{{Key: "maintenance", Operator: flotillav1alpha1.TolerationOpExists}}}},
			"eu=1 tainted=1", ""},
		{"nothing fits", Input{Replicas: 1, Clusters: []Cluster{down, noSchedule}}, "",
			"0 of 2 clusters fit: ClusterReady rejected 1 (down: cluster is not Ready), TaintToleration rejected 1 (tainted: taint maintenance=:NoSchedule"},
		{"no clusters", Input{Replicas: 1}, "", "no member clusters"},
		{"duplicated over capacity says so", Input{Replicas: 60, Clusters: []Cluster{eu}}, "eu=60", "eu (room 50 for 60)"},

		// Spread
		{"minClusters not met", Input{Replicas: 1, Clusters: []Cluster{eu, down}, Placement: spread(flotillav1alpha1.Placement{}, 2, 0)}, "",
			"spec.placement.spread.minClusters is 2 but only 1 of 2 clusters fit (eu); ClusterReady rejected 1"},
		{"maxClusters keeps the best scored", Input{Replicas: 1, Clusters: []Cluster{prefer, eu, us}, Placement: spread(flotillav1alpha1.Placement{}, 0, 2)}, "eu=1 us=1", ""},
		{"maxClusters keeps the current placement", Input{Replicas: 1, Clusters: []Cluster{ap, eu, us},
			Placement: spread(flotillav1alpha1.Placement{}, 0, 2), Previous: prev("us=1 eu=1")}, "eu=1 us=1", ""},
		{"maxClusters by capacity prefers room", Input{Replicas: 4, Clusters: withRoom(1, 10, 5), Placement: spread(divided(ac), 0, 2)}, "b=3 c=1", ""},

		// Divided by static weights
		{"weights: none set divides equally", Input{Replicas: 10, Clusters: ready("a", "b", "c"), Placement: divided(sw)}, "a=4 b=3 c=3", ""},
		{"weights: by name, unmatched get 0 and are left out", Input{Replicas: 9, Clusters: ready("a", "b", "c"),
			Placement: divided(sw, weight(2, "a"), weight(1, "b"))}, "a=6 b=3", ""},
		{"weights: by selector, highest entry wins", Input{Replicas: 8, Clusters: []Cluster{eu, us, ap},
			Placement: divided(sw,
				flotillav1alpha1.ClusterWeight{ClusterSelector: labelSelector("region", "eu", "us"), Weight: 1},
				flotillav1alpha1.ClusterWeight{ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"region": "eu"}}, Weight: 3},
				flotillav1alpha1.ClusterWeight{ClusterNames: []string{"ap"}, Weight: 4})}, "ap=4 eu=3 us=1", ""},
		{"weights: an entry selecting nothing explicit selects all", Input{Replicas: 4, Clusters: ready("a", "b"),
			Placement: divided(sw, flotillav1alpha1.ClusterWeight{Weight: 5})}, "a=2 b=2", ""},
		{"weights: fewer replicas than clusters", Input{Replicas: 2, Clusters: ready("a", "b", "c"), Placement: divided(sw)}, "a=1 b=1", ""},
		{"weights: tie goes to the current holder", Input{Replicas: 2, Clusters: ready("a", "b", "c"), Placement: divided(sw),
			Previous: prev("c=1 b=1")}, "b=1 c=1", ""},
		{"weights: minClusters lists a cluster at 0", Input{Replicas: 1, Clusters: ready("a", "b", "c"), Placement: spread(divided(sw), 2, 0)}, "a=1 b=0", ""},
		{"weights: a valid placement is kept exactly", Input{Replicas: 10, Clusters: ready("a", "b", "c"), Placement: divided(sw),
			Previous: prev("a=3 b=3 c=4")}, "a=3 b=3 c=4", ""},
		{"weights: scale up only adds", Input{Replicas: 11, Clusters: ready("a", "b", "c"), Placement: divided(sw),
			Previous: prev("a=3 b=3 c=4")}, "a=4 b=3 c=4", ""},
		{"weights: scale down only removes", Input{Replicas: 8, Clusters: ready("a", "b", "c"), Placement: divided(sw),
			Previous: prev("a=3 b=3 c=4")}, "a=3 b=2 c=3", ""},
		{"weights: to zero keeps the clusters at 0", Input{Replicas: 0, Clusters: ready("a", "b", "c"), Placement: divided(sw),
			Previous: prev("a=1 b=1")}, "a=0 b=0", ""},
		{"weights: lost cluster's replicas go to the others", Input{Replicas: 9, Clusters: append(ready("a", "b"), down), Placement: divided(sw),
			Previous: prev("a=3 b=3 down=3")}, "a=5 b=4", ""},

		// Divided by available capacity
		{"capacity: proportional to room, full cluster left out", Input{Replicas: 8, Clusters: withRoom(10, 30, 0), Placement: divided(ac)}, "a=2 b=6", ""},
		{"capacity: unknown room left out", Input{Replicas: 4, Clusters: withRoom(10, UnknownCapacity), Placement: divided(ac)}, "a=4", ""},
		{"capacity: own replicas count as room", Input{Replicas: 8, Clusters: withRoom(4, 8), Placement: divided(ac),
			Previous: prev("a=4")}, "a=4 b=4", ""},
		{"capacity: a small change in room keeps the placement", Input{Replicas: 30, Clusters: withRoom(80, 90, 90), Placement: divided(ac),
			Previous: prev("a=10 b=10 c=10")}, "a=10 b=10 c=10", ""},
		{"capacity: a large change in room moves replicas", Input{Replicas: 30, Clusters: withRoom(40, 90, 90), Placement: divided(ac),
			Previous: prev("a=10 b=10 c=10")}, "a=6 b=12 c=12", ""}, // rooms 50, 100, 100
		{"capacity: the fleet is too small", Input{Replicas: 10, Clusters: withRoom(2, 3), Placement: divided(ac)}, "a=4 b=6",
			"AvailableCapacity: the selected clusters have room for 5 of 10 replicas"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Schedule(tt.in)
			if err != nil {
				t.Fatalf("Schedule: %v", err)
			}
			if got := placed(d.Clusters); got != tt.want {
				t.Errorf("placed %q, want %q", got, tt.want)
			}
			switch {
			case tt.unschedulable == "" && d.Unschedulable != "":
				t.Errorf("Unschedulable = %q, want empty", d.Unschedulable)
			case !strings.Contains(d.Unschedulable, tt.unschedulable):
				t.Errorf("Unschedulable = %q, want it to contain %q", d.Unschedulable, tt.unschedulable)
			}
			for _, a := range d.Clusters {
				if a.Reason == "" {
					t.Errorf("cluster %s has no reason", a.Name)
				}
			}
		})
	}
}

func TestScheduleRejectedExplainsEveryCluster(t *testing.T) {
	in := Input{
		Replicas: 2,
		Clusters: append(ready("a", "b", "c", "d"), Cluster{Name: "e"}),
		Placement: spread(flotillav1alpha1.Placement{ClusterNames: []string{"a", "b", "c", "e"},
			ReplicaScheduling: flotillav1alpha1.ReplicaScheduling{Type: flotillav1alpha1.ReplicaSchedulingDivided,
				Weights: []flotillav1alpha1.ClusterWeight{weight(1, "a", "b", "d", "e")}}}, 0, 1),
		Excluded: map[string]bool{"b": true},
	}
	d, err := Schedule(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := placed(d.Clusters); got != "a=2" {
		t.Errorf("placed %q, want a=2", got)
	}
	want := map[string]string{"b": "Excluded", "c": "StaticWeights", "d": "ClusterNames", "e": "ClusterReady"}
	if len(d.Rejected) != len(want) {
		t.Fatalf("Rejected = %+v, want %d entries", d.Rejected, len(want))
	}
	for i, r := range d.Rejected {
		if want[r.Cluster] != r.Plugin || r.Reason == "" {
			t.Errorf("Rejected[%d] = %+v, want plugin %q and a reason", i, r, want[r.Cluster])
		}
		if i > 0 && d.Rejected[i-1].Cluster >= r.Cluster {
			t.Errorf("Rejected is not sorted by cluster: %+v", d.Rejected)
		}
	}
}

func TestScheduleSpreadRejection(t *testing.T) {
	d, err := Schedule(Input{Replicas: 1, Clusters: ready("a", "b", "c"), Placement: spread(flotillav1alpha1.Placement{}, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if placed(d.Clusters) != "a=1" || len(d.Rejected) != 2 || d.Rejected[0].Plugin != "Spread" || d.Rejected[1].Cluster != "c" {
		t.Errorf("decision %+v: want a=1, with b and c rejected by Spread", d)
	}
}

func TestScheduleInvalidInput(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		want string
	}{
		{"negative replicas", Input{Replicas: -1}, "replicas is -1"},
		{"bad type", Input{Placement: flotillav1alpha1.Placement{ReplicaScheduling: flotillav1alpha1.ReplicaScheduling{Type: "Split"}}}, "spec.placement.replicaScheduling.type"},
		{"bad division", Input{Placement: flotillav1alpha1.Placement{ReplicaScheduling: flotillav1alpha1.ReplicaScheduling{Division: "Random"}}}, "spec.placement.replicaScheduling.division"},
		{"negative weight", Input{Placement: divided("", weight(-1, "a"))}, "spec.placement.replicaScheduling.weights[0].weight"},
		{"huge weight", Input{Placement: divided("", weight(10001, "a"))}, "spec.placement.replicaScheduling.weights[0].weight"},
		{"bad weight selector", Input{Placement: divided("", flotillav1alpha1.ClusterWeight{Weight: 1, ClusterSelector: &metav1.LabelSelector{
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "k", Operator: "Near"}}}})}, "spec.placement.replicaScheduling.weights[0].clusterSelector"},
		{"bad cluster selector", Input{Placement: flotillav1alpha1.Placement{ClusterSelector: &metav1.LabelSelector{
			MatchLabels: map[string]string{"bad key!": "v"}}}}, "spec.placement.clusterSelector"},
		{"min above max", Input{Placement: spread(flotillav1alpha1.Placement{}, 3, 2)}, "spec.placement.spread.minClusters (3) exceeds maxClusters (2)"},
		{"negative spread", Input{Placement: spread(flotillav1alpha1.Placement{}, -1, 0)}, "must not be negative"},
		{"duplicate cluster", Input{Clusters: ready("a", "a")}, `clusters[1]: name "a" is empty or repeated`},
		{"unnamed cluster", Input{Clusters: []Cluster{{}}}, `clusters[0]: name ""`},
		{"duplicate previous", Input{Previous: prev("a=1 a=2")}, `previous[1]: cluster name "a"`},
		{"negative previous", Input{Previous: prev("a=-2")}, "previous[0] (a): replicas is -2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Schedule(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Schedule error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestNewSchedulerWithCustomPlugins(t *testing.T) {
	// Without ClusterReady, a NotReady cluster is a candidate like any other.
	var cfg []framework.PluginConfig
	for _, p := range DefaultPlugins() {
		if p.Name != clusterready.Name {
			cfg = append(cfg, p)
		}
	}
	s, err := New(DefaultRegistry(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.Schedule(Input{Replicas: 1, Clusters: []Cluster{{Name: "down", AvailableReplicas: 5}}})
	if err != nil {
		t.Fatal(err)
	}
	if placed(d.Clusters) != "down=1" {
		t.Errorf("placed %q, want down=1", placed(d.Clusters))
	}
	if _, err := New(DefaultRegistry(), append(DefaultPlugins(), DefaultPlugins()[0])); err == nil {
		t.Error("New accepted a plugin enabled twice")
	}
}

// TestScaleSequence is the example of docs/scheduling.md: each step starts from the last.
func TestScaleSequence(t *testing.T) {
	in := Input{Clusters: ready("a", "b", "c"), Placement: divided(flotillav1alpha1.ReplicaDivisionStaticWeights)}
	for _, step := range []struct {
		replicas int32
		want     string
	}{{10, "a=4 b=3 c=3"}, {11, "a=4 b=4 c=3"}, {10, "a=4 b=3 c=3"}, {10, "a=4 b=3 c=3"}, {3, "a=1 b=1 c=1"}, {0, "a=0 b=0 c=0"}} {
		in.Replicas = step.replicas
		d, err := Schedule(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := placed(d.Clusters); got != step.want {
			t.Fatalf("scaling to %d from %s gave %s, want %s", step.replicas, placed(in.Previous), got, step.want)
		}
		in.Previous = d.Clusters
	}
}
