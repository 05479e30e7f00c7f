package scheduling

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// ready returns Ready clusters with the given names, plenty of room and no labels.
func ready(names ...string) []Cluster {
	out := make([]Cluster, len(names))
	for i, n := range names {
		out[i] = Cluster{Name: n, Ready: true, AvailableReplicas: 1000}
	}
	return out
}

// withRoom returns Ready clusters named a, b, c, ... with the given AvailableReplicas.
func withRoom(rooms ...int32) []Cluster {
	out := make([]Cluster, len(rooms))
	for i, r := range rooms {
		out[i] = Cluster{Name: string(rune('a' + i)), Ready: true, AvailableReplicas: r}
	}
	return out
}

func divided(div flotillav1alpha1.ReplicaDivision, weights ...flotillav1alpha1.ClusterWeight) flotillav1alpha1.Placement {
	return flotillav1alpha1.Placement{ReplicaScheduling: flotillav1alpha1.ReplicaScheduling{
		Type: flotillav1alpha1.ReplicaSchedulingDivided, Division: div, Weights: weights}}
}

func weight(w int32, names ...string) flotillav1alpha1.ClusterWeight {
	return flotillav1alpha1.ClusterWeight{ClusterNames: names, Weight: w}
}

func spread(p flotillav1alpha1.Placement, minC, maxC int32) flotillav1alpha1.Placement {
	p.Spread = &flotillav1alpha1.SpreadConstraint{MinClusters: minC, MaxClusters: maxC}
	return p
}

func labelSelector(key string, values ...string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: key, Operator: metav1.LabelSelectorOpIn, Values: values}}}
}

// placed renders assignments as "a=3 b=2" for compact expectations.
func placed(as []Assignment) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = fmt.Sprintf("%s=%d", a.Name, a.Replicas)
	}
	return strings.Join(parts, " ")
}

// prev parses "a=3 b=2" into assignments.
func prev(s string) []Assignment {
	var out []Assignment
	for _, f := range strings.Fields(s) {
		var a Assignment
		name, n, _ := strings.Cut(f, "=")
		a.Name = name
		fmt.Sscan(n, &a.Replicas)
		out = append(out, a)
	}
	return out
}
