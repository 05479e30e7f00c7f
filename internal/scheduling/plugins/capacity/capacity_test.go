package capacity

import (
	"slices"
	"testing"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/scheduling/framework"
)

func workload(typ flotillav1alpha1.ReplicaSchedulingType, div flotillav1alpha1.ReplicaDivision, replicas int32, prev map[string]int32) *framework.Workload {
	return &framework.Workload{
		Placement: &flotillav1alpha1.Placement{ReplicaScheduling: flotillav1alpha1.ReplicaScheduling{Type: typ, Division: div}},
		Replicas:  replicas,
		Previous:  prev,
	}
}

var (
	byCapacity = func(r int32, prev map[string]int32) *framework.Workload {
		return workload(flotillav1alpha1.ReplicaSchedulingDivided, flotillav1alpha1.ReplicaDivisionAvailableCapacity, r, prev)
	}
	byWeights = func(r int32, prev map[string]int32) *framework.Workload {
		return workload(flotillav1alpha1.ReplicaSchedulingDivided, "", r, prev)
	}
	duplicated = func(r int32, prev map[string]int32) *framework.Workload {
		return workload("", "", r, prev)
	}
)

func TestFilter(t *testing.T) {
	tests := []struct {
		name      string
		w         *framework.Workload
		available int32
		fits      bool
	}{
		{"capacity: room", byCapacity(10, nil), 3, true},
		{"capacity: full", byCapacity(10, nil), 0, false},
		{"capacity: unknown", byCapacity(10, nil), -1, false},
		{"capacity: full but holds replicas", byCapacity(10, map[string]int32{"c": 2}), 0, true},
		{"capacity: unknown though it holds replicas", byCapacity(10, map[string]int32{"c": 2}), -1, false},
		{"weights: full is advice only", byWeights(10, nil), 0, true},
		{"weights: unknown", byWeights(10, nil), -1, true},
		{"duplicated: full is advice only", duplicated(10, nil), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := New(nil)
			got := p.(framework.FilterPlugin).Filter(nil, tt.w, &framework.Cluster{Name: "c", AvailableReplicas: tt.available})
			if got.Fits != tt.fits {
				t.Errorf("Filter = %+v, want fits=%v", got, tt.fits)
			}
		})
	}
}

func TestScore(t *testing.T) {
	twenty := int64(20)
	tests := []struct {
		name      string
		args      any
		w         *framework.Workload
		available int32
		want      int64
	}{
		{"duplicated: room covers all", nil, duplicated(10, nil), 10, 100},
		{"duplicated: room covers more", nil, duplicated(10, nil), 50, 100},
		{"duplicated: room covers 30%", nil, duplicated(10, nil), 3, 30},
		{"duplicated: held replicas count as room", nil, duplicated(10, map[string]int32{"c": 7}), 3, 100},
		{"duplicated: unknown", nil, duplicated(10, nil), -1, 50},
		{"duplicated: unknown, configured", Args{UnknownScore: &twenty}, duplicated(10, nil), -1, 20},
		{"duplicated: zero replicas", nil, duplicated(0, nil), 0, 100},
		{"weights: full", nil, byWeights(4, nil), 0, 0},
		{"capacity: raw room before normalizing", nil, byCapacity(4, map[string]int32{"c": 1}), 41, 42},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.(framework.ScorePlugin).Score(nil, tt.w, &framework.Cluster{Name: "c", AvailableReplicas: tt.available}); got != tt.want {
				t.Errorf("Score = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestNormalizeScore(t *testing.T) {
	p, _ := New(nil)
	n := p.(framework.ScoreNormalizer)

	scores := []int64{10, 40, 0, 20}
	n.NormalizeScore(nil, byCapacity(5, nil), nil, scores)
	if want := []int64{25, 100, 0, 50}; !slices.Equal(scores, want) {
		t.Errorf("capacity: normalized = %v, want %v", scores, want)
	}
	scores = []int64{10, 40}
	n.NormalizeScore(nil, duplicated(5, nil), nil, scores)
	if want := []int64{10, 40}; !slices.Equal(scores, want) {
		t.Errorf("duplicated: scores changed to %v, want them untouched", scores)
	}
	scores = []int64{0, 0}
	n.NormalizeScore(nil, byCapacity(5, nil), nil, scores)
	if want := []int64{0, 0}; !slices.Equal(scores, want) {
		t.Errorf("all zero: normalized = %v, want %v", scores, want)
	}
}

func TestNewValidatesArgs(t *testing.T) {
	bad := int64(101)
	for _, args := range []any{Args{UnknownScore: &bad}, "x"} {
		if _, err := New(args); err == nil {
			t.Errorf("New(%#v) accepted bad arguments", args)
		}
	}
}
