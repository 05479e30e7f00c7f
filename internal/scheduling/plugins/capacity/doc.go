// Package capacity is the Capacity filter and score, from each cluster's estimate of how many
// more replicas of the workload's pod template it can fit (Cluster.AvailableReplicas, see
// package fleet/capacity).
//
// The room a cluster offers the workload is its AvailableReplicas plus the replicas the
// workload already holds there: those already consume the cluster's capacity, so counting them
// keeps the estimate steady as the workload's own replicas are placed.
//
// Divided by AvailableCapacity: the division needs a known, non-zero room, so a cluster whose
// capacity is unknown or full is rejected, and clusters score in proportion to their room
// relative to the roomiest cluster (0-100).
//
// Duplicated and Divided by StaticWeights: capacity is advice, not a rule (pods that do not fit
// stay Pending in the member, and the estimate is coarse), so nothing is rejected; a cluster
// scores 100 when its room covers the workload's full replica count and proportionally less
// otherwise; a cluster of unknown capacity scores Args.UnknownScore.
package capacity
