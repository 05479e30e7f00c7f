package capacity

import (
	corev1 "k8s.io/api/core/v1"
)

// NodeFromCore adapts a corev1.Node. requested is the sum of the requests of the pods bound to
// the node and not finished, and podCount their number (the caller lists the pods).
func NodeFromCore(node *corev1.Node, requested corev1.ResourceList, podCount int) Node {
	return Node{
		Name:          node.Name,
		Labels:        node.Labels,
		Taints:        node.Spec.Taints,
		Ready:         nodeReady(node),
		Unschedulable: node.Spec.Unschedulable,
		Allocatable:   fromList(node.Status.Allocatable, -1),
		Requested:     fromList(requested, int64(podCount)),
	}
}

func nodeReady(node *corev1.Node) bool {
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// fromList reads cpu, memory and pods from a ResourceList; pods, when not negative, replaces
// the list's pods.
func fromList(l corev1.ResourceList, pods int64) Resources {
	r := Resources{
		MilliCPU: l.Cpu().MilliValue(),
		Memory:   l.Memory().Value(),
		Pods:     l.Pods().Value(),
	}
	if pods >= 0 {
		r.Pods = pods
	}
	return r
}

// PodNeedsFromTemplate computes what one replica of a pod template needs, like the Kubernetes
// scheduler does: the larger of (containers plus restartable init containers, the "sidecars")
// and each regular init container plus the sidecars started before it, plus the pod overhead.
// A container without a request but with a limit counts its limit, as API defaulting would.
func PodNeedsFromTemplate(t *corev1.PodTemplateSpec) PodNeeds {
	spec := &t.Spec
	var sidecars, peakInit Resources
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		r := containerRequests(c)
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sidecars = add(sidecars, r)
			peakInit = maxOf(peakInit, sidecars)
			continue
		}
		peakInit = maxOf(peakInit, add(sidecars, r))
	}
	var regular Resources
	for i := range spec.Containers {
		regular = add(regular, containerRequests(&spec.Containers[i]))
	}
	need := maxOf(add(regular, sidecars), peakInit)
	need = add(need, fromList(spec.Overhead, 0))
	need.Pods = 0
	return PodNeeds{Requests: need, NodeSelector: spec.NodeSelector, Tolerations: spec.Tolerations}
}

func containerRequests(c *corev1.Container) Resources {
	get := func(name corev1.ResourceName) (int64, int64) {
		q, ok := c.Resources.Requests[name]
		if !ok {
			q = c.Resources.Limits[name]
		}
		return q.MilliValue(), q.Value()
	}
	cpu, _ := get(corev1.ResourceCPU)
	_, mem := get(corev1.ResourceMemory)
	return Resources{MilliCPU: cpu, Memory: mem}
}

func maxOf(a, b Resources) Resources {
	return Resources{MilliCPU: max(a.MilliCPU, b.MilliCPU), Memory: max(a.Memory, b.Memory), Pods: max(a.Pods, b.Pods)}
}
