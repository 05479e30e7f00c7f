package capacity

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestSummarize(t *testing.T) {
	a := node("a", 4000, 8*gi, 110)
	a.Requested = Resources{MilliCPU: 1500, Memory: 2 * gi, Pods: 10}
	over := node("over", 1000, gi, 10)
	over.Requested = Resources{MilliCPU: 3000, Memory: 2 * gi, Pods: 12}
	down := node("down", 64000, 64*gi, 110)
	down.Ready = false
	cordoned := node("cordoned", 64000, 64*gi, 110)
	cordoned.Unschedulable = true

	got := Summarize([]Node{a, over, down, cordoned})
	want := map[string]corev1.ResourceList{
		"allocatable": list("5", "9Gi", "120"),
		"requested":   list("4500m", "4Gi", "22"),
		// the overcommitted node contributes zero, not a negative amount
		"available": list("2500m", "6Gi", "100"),
	}
	gotLists := map[string]corev1.ResourceList{"allocatable": got.Allocatable, "requested": got.Requested, "available": got.Available}
	for field, w := range want {
		for name, q := range w {
			g := gotLists[field][name]
			if g.Cmp(q) != 0 {
				t.Errorf("%s[%s] = %s, want %s", field, name, g.String(), q.String())
			}
		}
	}
}

func TestSummarizeEmpty(t *testing.T) {
	got := Summarize(nil)
	for name, q := range got.Available {
		if !q.IsZero() {
			t.Errorf("available[%s] = %s, want 0", name, q.String())
		}
	}
	if len(got.Available) != 3 {
		t.Errorf("available has %d resources, want cpu, memory and pods", len(got.Available))
	}
}

func list(cpu, mem, pods string) corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse(cpu),
		corev1.ResourceMemory: resource.MustParse(mem),
		corev1.ResourcePods:   resource.MustParse(pods),
	}
}
