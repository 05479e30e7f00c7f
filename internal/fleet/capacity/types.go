package capacity

import corev1 "k8s.io/api/core/v1"

// Resources is an amount of the resources the estimate looks at.
type Resources struct {
	// MilliCPU is CPU in thousandths of a core.
	MilliCPU int64
	// Memory in bytes.
	Memory int64
	// Pods is a number of pods.
	Pods int64
}

// Node is what the estimate needs to know of one node.
type Node struct {
	// Name of the node, for messages.
	Name string
	// Labels of the node, matched against the pod's nodeSelector.
	Labels map[string]string
	// Taints of the node; NoSchedule and NoExecute taints repel pods that do not tolerate them.
	Taints []corev1.Taint
	// Ready is true when the node's Ready condition is True.
	Ready bool
	// Unschedulable is the node's spec.unschedulable (cordoned).
	Unschedulable bool
	// Allocatable is the node's status.allocatable.
	Allocatable Resources
	// Requested sums the requests of the pods bound to the node and not finished; its Pods
	// field is the number of those pods.
	Requested Resources
}

// PodNeeds is what one replica needs.
type PodNeeds struct {
	// Requests of one replica: MilliCPU and Memory; 0 means the resource does not limit.
	// Pods is ignored: a replica is always one pod.
	Requests Resources
	// NodeSelector labels a node must carry.
	NodeSelector map[string]string
	// Tolerations of the pod.
	Tolerations []corev1.Toleration
}
