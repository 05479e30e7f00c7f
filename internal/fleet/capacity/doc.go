// Package capacity estimates what a member cluster can still run.
//
// Estimate answers "how many more replicas of this pod template fit in this cluster", coarsely,
// from a per-node view: free CPU, memory and pod slots, node readiness, schedulability, taints
// and the pod's nodeSelector (required node affinity, topology spread and ports are ignored).
// Summarize produces the allocatable/requested/available summary of MemberCluster.status.
//
// Both are pure functions over the small Node and PodNeeds structs; NodeFromCore and
// PodNeedsFromTemplate adapt the corev1 types the fleet controller reads.
package capacity
