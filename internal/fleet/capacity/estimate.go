package capacity

import (
	"math"

	corev1 "k8s.io/api/core/v1"
)

// Estimate returns how many more replicas needing pod fit on nodes: the sum over nodes of
// NodeFit. It never returns a negative number and saturates at math.MaxInt32.
func Estimate(nodes []Node, pod PodNeeds) int32 {
	var sum int64
	for i := range nodes {
		fit := NodeFit(&nodes[i], pod)
		if fit >= math.MaxInt32-sum {
			return math.MaxInt32
		}
		sum += fit
	}
	return int32(sum)
}

// NodeFit returns how many more replicas needing pod fit on one node: zero when the node is not
// Ready, is cordoned, has a NoSchedule or NoExecute taint the pod does not tolerate, or lacks a
// label of the pod's nodeSelector; otherwise the floor of the smallest free/request ratio over
// CPU, memory (when requested) and pod slots (always).
func NodeFit(n *Node, pod PodNeeds) int64 {
	if !Eligible(n, pod) {
		return 0
	}
	free := Free(n)
	fit := free.Pods
	if r := pod.Requests.MilliCPU; r > 0 {
		fit = min(fit, free.MilliCPU/r)
	}
	if r := pod.Requests.Memory; r > 0 {
		fit = min(fit, free.Memory/r)
	}
	return max(fit, 0)
}

// Eligible reports whether the pod may be placed on the node at all: Ready, not cordoned,
// every NoSchedule/NoExecute taint tolerated and every nodeSelector label present.
func Eligible(n *Node, pod PodNeeds) bool {
	if !n.Ready || n.Unschedulable {
		return false
	}
	for k, v := range pod.NodeSelector {
		if got, ok := n.Labels[k]; !ok || got != v {
			return false
		}
	}
	for i := range n.Taints {
		t := &n.Taints[i]
		if t.Effect == corev1.TaintEffectPreferNoSchedule {
			continue
		}
		if !tolerated(t, pod.Tolerations) {
			return false
		}
	}
	return true
}

// Free is the node's allocatable minus requested, per resource, never negative.
func Free(n *Node) Resources {
	return Resources{
		MilliCPU: max(n.Allocatable.MilliCPU-n.Requested.MilliCPU, 0),
		Memory:   max(n.Allocatable.Memory-n.Requested.Memory, 0),
		Pods:     max(n.Allocatable.Pods-n.Requested.Pods, 0),
	}
}

func tolerated(t *corev1.Taint, tolerations []corev1.Toleration) bool {
	for i := range tolerations {
		if tolerates(&tolerations[i], t) {
			return true
		}
	}
	return false
}

// tolerates follows the node taint rules: an empty effect tolerates every effect; an empty key
// with operator Exists tolerates every key; operator Equal (or empty) needs the same value.
func tolerates(tol *corev1.Toleration, t *corev1.Taint) bool {
	if tol.Effect != "" && tol.Effect != t.Effect {
		return false
	}
	if tol.Key == "" {
		return tol.Operator == corev1.TolerationOpExists
	}
	if tol.Key != t.Key {
		return false
	}
	switch tol.Operator {
	case corev1.TolerationOpExists:
		return true
	case corev1.TolerationOpEqual, "":
		return tol.Value == t.Value
	}
	return false
}
