// Package tainttoleration is the TaintToleration filter and score: cluster taints
// (MemberCluster spec.taints) against placement tolerations (spec.placement.tolerations).
//
// A NoExecute taint the placement does not tolerate rejects the cluster. A NoSchedule taint
// rejects it too, unless the workload already runs there (it is in the current placement):
// like a node taint, NoSchedule keeps new workloads away and leaves running ones alone. Each
// PreferNoSchedule taint not tolerated lowers the score by Args.PenaltyPerTaint.
package tainttoleration
