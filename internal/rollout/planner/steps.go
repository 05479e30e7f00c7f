package planner

import (
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// Wave is a resolved wave: its name, its clusters (sorted) and the pause after it.
type Wave struct {
	Name     string
	Clusters []string
	Pause    *flotillav1alpha1.RolloutPause
}

// Assign puts every cluster in its wave: the first wave whose names or selector match it (a wave
// with neither takes every cluster left). Clusters no wave matches form a last wave named "rest".
// Every wave of the spec is kept, even when it matches no cluster, so that wave indexes recorded
// in status stay valid when the placement changes. clusters must be sorted by name.
func Assign(spec []flotillav1alpha1.RolloutWave, clusters []Cluster) []Wave {
	waves := make([]Wave, 0, len(spec)+1)
	taken := map[string]bool{}
	for i, w := range spec {
		out := Wave{Name: w.Name, Pause: w.Pause}
		if out.Name == "" {
			out.Name = "wave-" + strconv.Itoa(i+1)
		}
		sel := selectorOf(w.ClusterSelector)
		for _, c := range clusters {
			if taken[c.Name] || !waveSelects(w, sel, c) {
				continue
			}
			taken[c.Name] = true
			out.Clusters = append(out.Clusters, c.Name)
		}
		waves = append(waves, out)
	}
	var rest []string
	for _, c := range clusters {
		if !taken[c.Name] {
			rest = append(rest, c.Name)
		}
	}
	if len(rest) > 0 || len(waves) == 0 {
		waves = append(waves, Wave{Name: "rest", Clusters: rest})
		if len(spec) == 0 {
			waves[0].Name = "all"
		}
	}
	return waves
}

func selectorOf(ls *metav1.LabelSelector) labels.Selector {
	if ls == nil {
		return nil
	}
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return labels.Nothing() // rejected at admission; select nothing rather than everything
	}
	return sel
}

func waveSelects(w flotillav1alpha1.RolloutWave, sel labels.Selector, c Cluster) bool {
	if len(w.ClusterNames) == 0 && sel == nil {
		return true
	}
	for _, n := range w.ClusterNames {
		if n == c.Name {
			return true
		}
	}
	return sel != nil && sel.Matches(labels.Set(c.Labels))
}

// int32Or is a resolved batch size: a replica count or a percentage.
type int32Or struct {
	value   int32
	percent bool
}

// of is the canary's cumulative share of n replicas: a count (at most n) or a percentage of n
// rounded up (at least 1 of a non-empty cluster).
func (b int32Or) of(n int32) int32 {
	if n <= 0 {
		return 0
	}
	if !b.percent {
		return max(1, min(b.value, n))
	}
	v := (int64(n)*int64(b.value) + 99) / 100 // value <= 100: v <= n
	return max(1, min(int32(v), n))           //nolint:gosec // v <= n, an int32
}

// Batches resolves spec.rollout.batches: the last batch always releases every replica, so a
// last percentage below 100% is followed by an implicit 100%. No batches: one batch of 100%.
// Bad entries were refused at admission; here they count as 100%.
func Batches(spec []flotillav1alpha1.RolloutBatch) []int32Or {
	out := make([]int32Or, 0, len(spec)+1)
	for _, b := range spec {
		v, err := ParseBatch(b.Replicas)
		if err != nil {
			v = int32Or{value: 100, percent: true}
		}
		out = append(out, v)
	}
	if len(out) == 0 || (out[len(out)-1].percent && out[len(out)-1].value < 100) {
		out = append(out, int32Or{value: 100, percent: true})
	}
	return out
}

// ParseBatch reads one batch size: a count of at least 1, or a percentage from 1% to 100%.
func ParseBatch(v intstr.IntOrString) (int32Or, error) {
	if v.Type == intstr.Int {
		if v.IntVal < 1 {
			return int32Or{}, fmt.Errorf("must be a replica count of at least 1 or a percentage such as \"10%%\", not %d", v.IntVal)
		}
		return int32Or{value: v.IntVal}, nil
	}
	s := v.StrVal
	num, ok := strings.CutSuffix(s, "%")
	p, err := strconv.ParseInt(num, 10, 32)
	if !ok || err != nil || p < 1 || p > 100 {
		return int32Or{}, fmt.Errorf("must be a replica count such as 1 or a percentage from 1%% to 100%% such as \"10%%\", not %q", s)
	}
	return int32Or{value: int32(p), percent: true}, nil
}
