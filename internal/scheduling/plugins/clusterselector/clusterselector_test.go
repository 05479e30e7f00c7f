package clusterselector

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/scheduling/framework"
)

func TestFilter(t *testing.T) {
	eu := map[string]string{"region": "eu", "tier": "prod"}
	us := map[string]string{"region": "us"}
	tests := []struct {
		name     string
		selector *metav1.LabelSelector
		labels   map[string]string
		fits     bool
	}{
		{"no selector", nil, us, true},
		{"empty selector selects all", &metav1.LabelSelector{}, nil, true},
		{"matchLabels", &metav1.LabelSelector{MatchLabels: map[string]string{"region": "eu"}}, eu, true},
		{"matchLabels differ", &metav1.LabelSelector{MatchLabels: map[string]string{"region": "eu"}}, us, false},
		{"In", sel(metav1.LabelSelectorOpIn, "region", "eu", "ap"), eu, true},
		{"In misses", sel(metav1.LabelSelectorOpIn, "region", "eu", "ap"), us, false},
		{"NotIn", sel(metav1.LabelSelectorOpNotIn, "region", "eu"), us, true},
		{"NotIn misses", sel(metav1.LabelSelectorOpNotIn, "region", "eu"), eu, false},
		{"Exists", sel(metav1.LabelSelectorOpExists, "tier"), eu, true},
		{"Exists misses", sel(metav1.LabelSelectorOpExists, "tier"), us, false},
		{"DoesNotExist", sel(metav1.LabelSelectorOpDoesNotExist, "tier"), us, true},
		{"DoesNotExist misses", sel(metav1.LabelSelectorOpDoesNotExist, "tier"), eu, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := New(nil)
			pl := p.(*Plugin)
			w := &framework.Workload{Placement: &flotillav1alpha1.Placement{ClusterSelector: tt.selector}}
			state := framework.NewCycleState()
			if err := pl.PreFilter(state, w); err != nil {
				t.Fatal(err)
			}
			got := pl.Filter(state, w, &framework.Cluster{Name: "c", Labels: tt.labels})
			if got.Fits != tt.fits {
				t.Errorf("Filter = %+v, want fits=%v", got, tt.fits)
			}
		})
	}
}

func TestPreFilterRejectsInvalidSelector(t *testing.T) {
	p, _ := New(nil)
	pl := p.(*Plugin)
	w := &framework.Workload{Placement: &flotillav1alpha1.Placement{ClusterSelector: sel("Near", "region", "eu")}}
	err := pl.PreFilter(framework.NewCycleState(), w)
	if err == nil || !strings.Contains(err.Error(), "spec.placement.clusterSelector") {
		t.Fatalf("PreFilter error = %v, want one naming spec.placement.clusterSelector", err)
	}
	// Without PreFilter, Filter reports the bad selector instead of panicking.
	if got := pl.Filter(framework.NewCycleState(), w, &framework.Cluster{Name: "c"}); got.Fits {
		t.Error("Filter let a cluster through an invalid selector")
	}
}

func sel(op metav1.LabelSelectorOperator, key string, values ...string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: key, Operator: op, Values: values}}}
}
