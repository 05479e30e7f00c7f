package clusterready

import (
	"testing"

	"flotilla.dev/flotilla/internal/scheduling/framework"
)

func TestFilter(t *testing.T) {
	p, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	f := p.(framework.FilterPlugin)
	for _, ready := range []bool{true, false} {
		got := f.Filter(framework.NewCycleState(), &framework.Workload{}, &framework.Cluster{Name: "a", Ready: ready})
		if got.Fits != ready {
			t.Errorf("Ready=%v: Filter = %+v, want fits=%v", ready, got, ready)
		}
	}
	if _, err := New(1); err == nil {
		t.Error("New accepted arguments it does not take")
	}
}
