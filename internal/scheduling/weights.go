package scheduling

import (
	"fmt"

	"k8s.io/apimachinery/pkg/labels"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/scheduling/plugins/clusterselector"
)

// staticWeights gives clusters their weight from spec.placement.replicaScheduling.weights.
type staticWeights struct {
	entries []weightEntry
}

type weightEntry struct {
	names    map[string]bool
	selector labels.Selector // nil when the entry has no selector
	weight   int32
}

// newStaticWeights parses the weight entries; an invalid selector is an error naming it.
func newStaticWeights(rs *flotillav1alpha1.ReplicaScheduling) (*staticWeights, error) {
	sw := &staticWeights{entries: make([]weightEntry, 0, len(rs.Weights))}
	for i := range rs.Weights {
		w := &rs.Weights[i]
		e := weightEntry{weight: w.Weight}
		if len(w.ClusterNames) > 0 {
			e.names = make(map[string]bool, len(w.ClusterNames))
			for _, n := range w.ClusterNames {
				e.names[n] = true
			}
		}
		if w.ClusterSelector != nil {
			sel, err := clusterselector.Selector(w.ClusterSelector, fmt.Sprintf("spec.placement.replicaScheduling.weights[%d].clusterSelector", i))
			if err != nil {
				return nil, err
			}
			e.selector = sel
		}
		sw.entries = append(sw.entries, e)
	}
	return sw, nil
}

// weight of a cluster: 1 for every cluster when no weights are set; otherwise the highest
// weight of the entries that select it, 0 when none does. An entry selects a cluster its
// clusterNames list or its clusterSelector matches; an entry with neither selects every cluster.
func (sw *staticWeights) weight(c *Cluster) int32 {
	if len(sw.entries) == 0 {
		return 1
	}
	var best int32
	for i := range sw.entries {
		if e := &sw.entries[i]; e.weight > best && e.selects(c) {
			best = e.weight
		}
	}
	return best
}

func (e *weightEntry) selects(c *Cluster) bool {
	if e.names == nil && e.selector == nil {
		return true
	}
	if e.names[c.Name] {
		return true
	}
	return e.selector != nil && e.selector.Matches(labels.Set(c.Labels))
}
