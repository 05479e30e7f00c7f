package fleet

import (
	"maps"
	"slices"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"flotilla.dev/flotilla/internal/fleet/capacity"
)

// stripPod keeps only what the capacity summary needs of a pod: identity, node, phase,
// overhead and the requests of its containers. Everything else (env, volumes, status details,
// managed fields, annotations) is dropped before the pod reaches the cache.
func stripPod(obj any) (any, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil
	}
	return &corev1.Pod{
		TypeMeta: pod.TypeMeta,
		ObjectMeta: metav1.ObjectMeta{
			Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID,
			ResourceVersion: pod.ResourceVersion, Labels: pod.Labels,
		},
		Spec: corev1.PodSpec{
			NodeName:       pod.Spec.NodeName,
			Overhead:       pod.Spec.Overhead,
			Containers:     stripContainers(pod.Spec.Containers),
			InitContainers: stripContainers(pod.Spec.InitContainers),
			Resources:      pod.Spec.Resources,
		},
		Status: corev1.PodStatus{Phase: pod.Status.Phase},
	}, nil
}

func stripContainers(in []corev1.Container) []corev1.Container {
	if len(in) == 0 {
		return nil
	}
	out := make([]corev1.Container, len(in))
	for i, c := range in {
		out[i] = corev1.Container{
			Name:          c.Name,
			Resources:     corev1.ResourceRequirements{Requests: c.Resources.Requests},
			RestartPolicy: c.RestartPolicy,
		}
	}
	return out
}

// stripNode drops what no capacity decision reads: managed fields, images, annotations.
func stripNode(obj any) (any, error) {
	node, ok := obj.(*corev1.Node)
	if !ok {
		return obj, nil
	}
	node.ManagedFields = nil
	node.Annotations = nil
	node.Status.Images = nil
	return node, nil
}

// groupByNode adapts every node, with the summed requests of the unfinished pods bound to it,
// sorted by node name. It only reads nodes and pods, which may be the cache's own objects.
func groupByNode(nodes []corev1.Node, pods []corev1.Pod) []capacity.Node {
	type load struct {
		requested capacity.Resources
		count     int
	}
	byNode := make(map[string]*load, len(nodes))
	for i := range pods {
		p := &pods[i]
		if p.Spec.NodeName == "" || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		l := byNode[p.Spec.NodeName]
		if l == nil {
			l = &load{}
			byNode[p.Spec.NodeName] = l
		}
		need := capacity.PodNeedsFromTemplate(&corev1.PodTemplateSpec{Spec: p.Spec}).Requests
		l.requested.MilliCPU += need.MilliCPU
		l.requested.Memory += need.Memory
		l.count++
	}
	out := make([]capacity.Node, 0, len(nodes))
	for i := range nodes {
		requested, count := corev1.ResourceList{}, 0
		if l := byNode[nodes[i].Name]; l != nil {
			requested = corev1.ResourceList{
				corev1.ResourceCPU:    *resource.NewMilliQuantity(l.requested.MilliCPU, resource.DecimalSI),
				corev1.ResourceMemory: *resource.NewQuantity(l.requested.Memory, resource.BinarySI),
			}
			count = l.count
		}
		n := capacity.NodeFromCore(&nodes[i], requested, count)
		// nodes may be the cache's own objects: hand out copies of what a caller could modify.
		n.Labels, n.Taints = maps.Clone(n.Labels), slices.Clone(n.Taints)
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
