package clusternames

import (
	"testing"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/scheduling/framework"
)

func TestFilter(t *testing.T) {
	tests := []struct {
		name      string
		placement *flotillav1alpha1.Placement
		cluster   string
		fits      bool
	}{
		{"no placement", nil, "a", true},
		{"no names", &flotillav1alpha1.Placement{}, "a", true},
		{"named", &flotillav1alpha1.Placement{ClusterNames: []string{"b", "a"}}, "a", true},
		{"not named", &flotillav1alpha1.Placement{ClusterNames: []string{"b"}}, "a", false},
	}
	for _, tt := range tests {
		for _, prefilter := range []bool{true, false} {
			t.Run(tt.name, func(t *testing.T) {
				p, err := New(nil)
				if err != nil {
					t.Fatal(err)
				}
				pl := p.(*Plugin)
				w := &framework.Workload{Placement: tt.placement}
				state := framework.NewCycleState()
				if prefilter {
					if err := pl.PreFilter(state, w); err != nil {
						t.Fatal(err)
					}
				}
				got := pl.Filter(state, w, &framework.Cluster{Name: tt.cluster})
				if got.Fits != tt.fits {
					t.Errorf("Filter = %+v, want fits=%v", got, tt.fits)
				}
				if !got.Fits && got.Reason == "" {
					t.Error("a rejection needs a reason")
				}
			})
		}
	}
}

func TestNewRejectsArgs(t *testing.T) {
	if _, err := New(struct{}{}); err == nil {
		t.Error("New accepted arguments it does not take")
	}
}
