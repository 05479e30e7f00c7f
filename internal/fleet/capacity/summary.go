package capacity

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// Summarize sums the Ready, schedulable nodes into the resource summary of
// MemberCluster.status.resources. Available is computed per node (allocatable minus requested,
// never negative) and then summed, so an overcommitted node does not hide another node's room.
func Summarize(nodes []Node) flotillav1alpha1.ResourceSummary {
	var alloc, req, avail Resources
	for i := range nodes {
		n := &nodes[i]
		if !n.Ready || n.Unschedulable {
			continue
		}
		alloc = add(alloc, n.Allocatable)
		req = add(req, n.Requested)
		avail = add(avail, Free(n))
	}
	return flotillav1alpha1.ResourceSummary{
		Allocatable: resourceList(alloc),
		Requested:   resourceList(req),
		Available:   resourceList(avail),
	}
}

func add(a, b Resources) Resources {
	return Resources{MilliCPU: a.MilliCPU + b.MilliCPU, Memory: a.Memory + b.Memory, Pods: a.Pods + b.Pods}
}

func resourceList(r Resources) corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourceCPU:    *resource.NewMilliQuantity(r.MilliCPU, resource.DecimalSI),
		corev1.ResourceMemory: *resource.NewQuantity(r.Memory, resource.BinarySI),
		corev1.ResourcePods:   *resource.NewQuantity(r.Pods, resource.DecimalSI),
	}
}
