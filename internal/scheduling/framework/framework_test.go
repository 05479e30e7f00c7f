package framework

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// fake is a configurable plugin for the framework's own tests.
type fake struct {
	name      string
	reject    string // cluster name to reject
	score     int64
	normalize bool
	preErr    error
	calls     *[]string
}

func (f *fake) Name() string { return f.name }

func (f *fake) PreFilter(_ *CycleState, _ *Workload) error {
	*f.calls = append(*f.calls, "prefilter:"+f.name)
	return f.preErr
}

func (f *fake) Filter(_ *CycleState, _ *Workload, c *Cluster) FilterResult {
	*f.calls = append(*f.calls, "filter:"+f.name)
	if c.Name == f.reject {
		return Unfit("%s says no to %s", f.name, c.Name)
	}
	return Fit()
}

func (f *fake) Score(_ *CycleState, _ *Workload, c *Cluster) int64 {
	return f.score + int64(len(c.Name))
}

type normalizing struct{ *fake }

func (n normalizing) NormalizeScore(_ *CycleState, _ *Workload, _ []*Cluster, scores []int64) {
	for i := range scores {
		scores[i] *= 2
	}
}

type nothing struct{}

func (nothing) Name() string { return "Nothing" }

func registry(calls *[]string, plugins ...*fake) Registry {
	r := Registry{}
	for _, p := range plugins {
		p.calls = calls
		f := Factory(func(any) (Plugin, error) { return p, nil })
		if p.normalize {
			f = func(any) (Plugin, error) { return normalizing{p}, nil }
		}
		if err := r.Register(p.name, f); err != nil {
			panic(err)
		}
	}
	return r
}

func TestFilterOrderAndFirstRejection(t *testing.T) {
	var calls []string
	r := registry(&calls, &fake{name: "A", reject: "x"}, &fake{name: "B", reject: "y"})
	fw, err := New(r, []PluginConfig{{Name: "B"}, {Name: "A"}})
	if err != nil {
		t.Fatal(err)
	}
	rej, ok := fw.Filter(NewCycleState(), &Workload{}, &Cluster{Name: "y"})
	if ok || rej.Plugin != "B" || !strings.Contains(rej.Reason, "B says no") {
		t.Errorf("Filter(y) = %+v, %v; want a rejection by B", rej, ok)
	}
	if want := []string{"filter:B"}; !slices.Equal(calls, want) {
		t.Errorf("calls = %v, want %v (stop at the first rejection)", calls, want)
	}
	calls = nil
	if _, ok := fw.Filter(NewCycleState(), &Workload{}, &Cluster{Name: "z"}); !ok {
		t.Error("Filter(z) rejected a cluster nobody rejects")
	}
	if want := []string{"filter:B", "filter:A"}; !slices.Equal(calls, want) {
		t.Errorf("calls = %v, want %v (configured order)", calls, want)
	}
}

func TestPreFilterError(t *testing.T) {
	var calls []string
	boom := errors.New("spec.placement.x is bad")
	r := registry(&calls, &fake{name: "A", preErr: boom}, &fake{name: "B"})
	fw, err := New(r, []PluginConfig{{Name: "A"}, {Name: "B"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.PreFilter(NewCycleState(), &Workload{}); !errors.Is(err, boom) {
		t.Errorf("PreFilter = %v, want %v", err, boom)
	}
	if want := []string{"prefilter:A"}; !slices.Equal(calls, want) {
		t.Errorf("calls = %v, want %v", calls, want)
	}
}

func TestScoreWeightsClampsAndNormalizes(t *testing.T) {
	var calls []string
	r := registry(&calls,
		&fake{name: "Big", score: 500},                  // clamped to 100
		&fake{name: "Neg", score: -50},                  // clamped to 0
		&fake{name: "Norm", score: 10, normalize: true}, // doubled by NormalizeScore
		&fake{name: "Len"})                              // len(name)
	fw, err := New(r, []PluginConfig{{Name: "Big", Weight: 2}, {Name: "Neg"}, {Name: "Norm"}, {Name: "Len", Weight: 3}})
	if err != nil {
		t.Fatal(err)
	}
	got := fw.Score(NewCycleState(), &Workload{}, []*Cluster{{Name: "a"}, {Name: "abcd"}})
	// a: 2*100 + 0 + 2*(10+1) + 3*1 = 225; abcd: 200 + 0 + 28 + 12 = 240
	if want := []int64{225, 240}; !slices.Equal(got, want) {
		t.Errorf("Score = %v, want %v", got, want)
	}
	if got, want := fw.MaxTotalScore(), int64(2*100+100+100+3*100); got != want {
		t.Errorf("MaxTotalScore = %d, want %d", got, want)
	}
}

func TestNewErrors(t *testing.T) {
	var calls []string
	r := registry(&calls, &fake{name: "A"})
	r["Nothing"] = func(any) (Plugin, error) { return nothing{}, nil }
	r["Nil"] = func(any) (Plugin, error) { return nil, nil }
	r["Bad"] = func(any) (Plugin, error) { return nil, errors.New("bad args") }
	tests := []struct {
		name    string
		configs []PluginConfig
		want    string
	}{
		{"unknown", []PluginConfig{{Name: "Z"}}, `unknown scheduler plugin "Z"`},
		{"twice", []PluginConfig{{Name: "A"}, {Name: "A"}}, "enabled twice"},
		{"negative weight", []PluginConfig{{Name: "A", Weight: -1}}, "weight -1"},
		{"huge weight", []PluginConfig{{Name: "A", Weight: MaxWeight + 1}}, "out of range"},
		{"no extension point", []PluginConfig{{Name: "Nothing"}}, "implements no extension point"},
		{"nil plugin", []PluginConfig{{Name: "Nil"}}, "returned no plugin"},
		{"factory error", []PluginConfig{{Name: "Bad"}}, "bad args"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(r, tt.configs)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestRegistry(t *testing.T) {
	r := Registry{}
	f := func(any) (Plugin, error) { return nothing{}, nil }
	if err := r.Register("B", f); err != nil {
		t.Fatal(err)
	}
	if err := r.Register("B", f); err == nil {
		t.Error("registering a name twice succeeded")
	}
	if err := r.Merge(Registry{"A": f}); err != nil {
		t.Fatal(err)
	}
	if err := r.Merge(Registry{"A": f}); err == nil {
		t.Error("merging a duplicate succeeded")
	}
	if got := r.Names(); !slices.Equal(got, []string{"A", "B"}) {
		t.Errorf("Names = %v", got)
	}
}

func TestCycleStateAndWorkload(t *testing.T) {
	s := NewCycleState()
	s.Write("k", 3)
	if s.Read("k") != 3 || s.Read("missing") != nil {
		t.Error("CycleState does not return what was written")
	}
	w := &Workload{Previous: map[string]int32{"a": 0}}
	if n, ok := w.Held("a"); !ok || n != 0 {
		t.Error("Held must report a cluster of the placement holding zero replicas")
	}
	if _, ok := w.Held("b"); ok {
		t.Error("Held reports a cluster outside the placement")
	}
	if w.Divided() || w.ByCapacity() || w.Division() != "StaticWeights" {
		t.Error("a workload without placement must be Duplicated with the StaticWeights default division")
	}
}
