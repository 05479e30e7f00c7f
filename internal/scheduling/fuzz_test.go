package scheduling

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/scheduling/plugins/tainttoleration"
)

// fuzzReader turns fuzz input into small numbers; it yields zeros when exhausted.
type fuzzReader struct{ b []byte }

func (r *fuzzReader) n(mod int) int {
	if len(r.b) == 0 {
		return 0
	}
	v := int(r.b[0])
	r.b = r.b[1:]
	return v % mod
}

var (
	regions = []string{"eu", "us", "ap"}
	taints  = []flotillav1alpha1.ClusterTaint{
		{Key: "maintenance", Effect: flotillav1alpha1.TaintEffectNoSchedule},
		{Key: "decommission", Effect: flotillav1alpha1.TaintEffectNoExecute},
		{Key: "spot", Effect: flotillav1alpha1.TaintEffectPreferNoSchedule},
	}
)

// decodeInput builds a valid Input from fuzz bytes.
func decodeInput(data []byte) Input {
	r := &fuzzReader{b: data}
	var in Input
	for i := range 1 + r.n(24) {
		c := Cluster{Name: fmt.Sprintf("c%02d", i), Ready: r.n(5) != 4,
			Labels: map[string]string{"region": regions[r.n(3)]}}
		if t := r.n(6); t >= 3 {
			c.Taints = []flotillav1alpha1.ClusterTaint{taints[t-3]}
		}
		c.AvailableReplicas = int32(r.n(60))
		if r.n(7) == 6 {
			c.AvailableReplicas = UnknownCapacity
		}
		in.Clusters = append(in.Clusters, c)
	}
	in.Placement = decodePlacement(r, in.Clusters)
	in.Replicas = int32(r.n(256))
	for i := range len(in.Clusters) + 1 {
		if r.n(3) == 2 {
			in.Previous = append(in.Previous, Assignment{Name: fmt.Sprintf("c%02d", i), Replicas: int32(r.n(20))})
		}
		if r.n(8) == 7 {
			if in.Excluded == nil {
				in.Excluded = map[string]bool{}
			}
			in.Excluded[fmt.Sprintf("c%02d", i)] = true
		}
	}
	return in
}

func decodePlacement(r *fuzzReader, clusters []Cluster) flotillav1alpha1.Placement {
	var p flotillav1alpha1.Placement
	if r.n(2) == 0 {
		p.ReplicaScheduling.Type = flotillav1alpha1.ReplicaSchedulingDivided
	}
	if r.n(2) == 0 {
		p.ReplicaScheduling.Division = flotillav1alpha1.ReplicaDivisionAvailableCapacity
	}
	for _, c := range clusters {
		if r.n(4) == 3 {
			p.ClusterNames = append(p.ClusterNames, c.Name)
		}
		if r.n(3) == 2 {
			p.ReplicaScheduling.Weights = append(p.ReplicaScheduling.Weights, weight(int32(r.n(6)), c.Name))
		}
	}
	if r.n(2) == 1 {
		p.ClusterNames = nil
	}
	if r.n(3) == 2 {
		p.ClusterSelector = labelSelector("region", regions[r.n(3)], regions[r.n(3)])
	}
	if r.n(3) == 2 {
		p.ReplicaScheduling.Weights = append(p.ReplicaScheduling.Weights, flotillav1alpha1.ClusterWeight{
			ClusterSelector: labelSelector("region", regions[r.n(3)]), Weight: int32(r.n(4))})
	}
	if r.n(3) == 2 {
		p.Tolerations = []flotillav1alpha1.ClusterToleration{{Key: taints[r.n(3)].Key, Operator: flotillav1alpha1.TolerationOpExists}}
	}
	if r.n(3) == 2 {
		minC := int32(r.n(4))
		p.Spread = &flotillav1alpha1.SpreadConstraint{MinClusters: minC}
		if r.n(2) == 0 {
			p.Spread.MaxClusters = max(minC, 1) + int32(r.n(4))
		}
	}
	return p
}

// FuzzSchedule checks the invariants of Schedule on arbitrary valid inputs.
func FuzzSchedule(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("three clusters divided by weights with a previous placement"))
	f.Add([]byte{5, 1, 0, 10, 3, 1, 1, 20, 3, 1, 2, 30, 3, 1, 0, 40, 3, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 100, 0, 5, 0, 3})
	f.Add([]byte{9, 4, 1, 200, 5, 4, 2, 100, 5, 4, 0, 3, 5, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 77, 0, 9, 0, 1, 0, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		in := decodeInput(data)
		d, err := Schedule(in)
		if err != nil {
			t.Fatalf("Schedule(%+v): %v", in, err)
		}
		checkDecision(t, in, d)
		checkDeterministic(t, in, d)
		checkStable(t, in, d)
	})
}

func checkDecision(t *testing.T, in Input, d Decision) {
	t.Helper()
	if len(d.Clusters) == 0 {
		dividedZero := in.Placement.ReplicaScheduling.Type == flotillav1alpha1.ReplicaSchedulingDivided && in.Replicas == 0
		if d.Unschedulable == "" && !dividedZero {
			t.Fatalf("no cluster chosen and no reason given for %+v", in)
		}
		return
	}
	var sum int64
	for i, a := range d.Clusters {
		if a.Replicas < 0 {
			t.Fatalf("negative replicas: %+v", a)
		}
		if i > 0 && d.Clusters[i-1].Name >= a.Name {
			t.Fatalf("clusters not sorted by name or repeated: %s", placed(d.Clusters))
		}
		checkFits(t, in, a.Name)
		sum += int64(a.Replicas)
		if in.Placement.ReplicaScheduling.Type != flotillav1alpha1.ReplicaSchedulingDivided && a.Replicas != in.Replicas {
			t.Fatalf("Duplicated gave %s %d replicas, want %d", a.Name, a.Replicas, in.Replicas)
		}
	}
	if in.Placement.ReplicaScheduling.Type == flotillav1alpha1.ReplicaSchedulingDivided && sum != int64(in.Replicas) {
		t.Fatalf("Divided assigned %d replicas, want %d: %s", sum, in.Replicas, placed(d.Clusters))
	}
	checkWithinRoom(t, in, d)
	if s := in.Placement.Spread; s != nil {
		if n := int32(len(d.Clusters)); n < s.MinClusters || (s.MaxClusters > 0 && n > s.MaxClusters) {
			t.Fatalf("%d clusters chosen, spread is [%d, %d]", n, s.MinClusters, s.MaxClusters)
		}
	}
	for _, r := range d.Rejected {
		if slices.ContainsFunc(d.Clusters, func(a Assignment) bool { return a.Name == r.Cluster }) {
			t.Fatalf("cluster %s both chosen and rejected (%s)", r.Cluster, r.Reason)
		}
	}
}

// checkWithinRoom checks that AvailableCapacity never gives a cluster more than its room
// (AvailableReplicas plus what it holds) unless the decision says the fleet is too small.
func checkWithinRoom(t *testing.T, in Input, d Decision) {
	t.Helper()
	rs := in.Placement.ReplicaScheduling
	if rs.Type != flotillav1alpha1.ReplicaSchedulingDivided || rs.Division != flotillav1alpha1.ReplicaDivisionAvailableCapacity ||
		strings.Contains(d.Unschedulable, "AvailableCapacity:") {
		return
	}
	held := previousMap(in.Previous)
	for _, a := range d.Clusters {
		i := slices.IndexFunc(in.Clusters, func(c Cluster) bool { return c.Name == a.Name })
		if room := in.Clusters[i].AvailableReplicas + held[a.Name]; a.Replicas > room {
			t.Fatalf("AvailableCapacity gave %s %d replicas, room is %d, and the decision does not say the fleet is too small", a.Name, a.Replicas, room)
		}
	}
}

// checkFits re-checks the filters independently of the plugins.
func checkFits(t *testing.T, in Input, name string) {
	t.Helper()
	i := slices.IndexFunc(in.Clusters, func(c Cluster) bool { return c.Name == name })
	if i < 0 {
		t.Fatalf("chose %s, which is not an input cluster", name)
	}
	c := in.Clusters[i]
	p := in.Placement
	_, placedBefore := previousMap(in.Previous)[name]
	switch {
	case !c.Ready:
		t.Fatalf("chose %s, which is not Ready", name)
	case in.Excluded[name]:
		t.Fatalf("chose %s, which is excluded", name)
	case len(p.ClusterNames) > 0 && !slices.Contains(p.ClusterNames, name):
		t.Fatalf("chose %s, which clusterNames does not list", name)
	case p.ClusterSelector != nil && !mustSelector(p.ClusterSelector).Matches(labels.Set(c.Labels)):
		t.Fatalf("chose %s, which the selector does not match", name)
	}
	for _, taint := range c.Taints {
		blocks := taint.Effect == flotillav1alpha1.TaintEffectNoExecute || (taint.Effect == flotillav1alpha1.TaintEffectNoSchedule && !placedBefore)
		if blocks && !tainttoleration.Tolerated(&taint, p.Tolerations) {
			t.Fatalf("chose %s despite taint %+v", name, taint)
		}
	}
	if p.ReplicaScheduling.Type == flotillav1alpha1.ReplicaSchedulingDivided && p.ReplicaScheduling.Division == flotillav1alpha1.ReplicaDivisionAvailableCapacity {
		if c.AvailableReplicas < 0 || (c.AvailableReplicas == 0 && previousMap(in.Previous)[name] == 0) {
			t.Fatalf("chose %s for AvailableCapacity without known room", name)
		}
	}
}

func mustSelector(s *metav1.LabelSelector) labels.Selector {
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		panic(err)
	}
	return sel
}

// checkDeterministic schedules again with the clusters in reverse order.
func checkDeterministic(t *testing.T, in Input, d Decision) {
	t.Helper()
	again := in
	again.Clusters = slices.Clone(in.Clusters)
	slices.Reverse(again.Clusters)
	d2, err := Schedule(again)
	if err != nil {
		t.Fatal(err)
	}
	if placed(d2.Clusters) != placed(d.Clusters) || d2.Unschedulable != d.Unschedulable {
		t.Fatalf("same input, different output:\n%s | %s\n%s | %s", placed(d.Clusters), d.Unschedulable, placed(d2.Clusters), d2.Unschedulable)
	}
}

// checkStable schedules again as the world would look after applying the decision: Previous
// is the decision, and each cluster's AvailableReplicas has changed by what moved in or out.
func checkStable(t *testing.T, in Input, d Decision) {
	t.Helper()
	if len(d.Clusters) == 0 {
		return
	}
	before := previousMap(in.Previous)
	after := previousMap(d.Clusters)
	next := in
	next.Previous = d.Clusters
	next.Clusters = slices.Clone(in.Clusters)
	for i := range next.Clusters {
		c := &next.Clusters[i]
		if c.AvailableReplicas >= 0 {
			c.AvailableReplicas = max(0, c.AvailableReplicas+before[c.Name]-after[c.Name])
		}
	}
	d2, err := Schedule(next)
	if err != nil {
		t.Fatal(err)
	}
	if placed(d2.Clusters) != placed(d.Clusters) {
		t.Fatalf("not stable: scheduling %+v\ngave %s, then with that as previous: %s", in, placed(d.Clusters), placed(d2.Clusters))
	}
}
