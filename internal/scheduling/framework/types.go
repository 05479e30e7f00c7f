package framework

import (
	"fmt"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// Scores are bounded: a ScorePlugin returns a value in [MinScore, MaxScore]. The framework clamps
// out-of-range values so one faulty plugin cannot dominate the sum.
const (
	MinScore int64 = 0
	MaxScore int64 = 100
)

// UnknownCapacity is the AvailableReplicas of a cluster whose capacity has not been estimated.
const UnknownCapacity int32 = -1

// Cluster is what the scheduler knows of one member cluster. The caller fills it from the
// MemberCluster object and the fleet cache; the scheduler never reads the API itself.
type Cluster struct {
	// Name of the MemberCluster.
	Name string
	// Labels of the MemberCluster (including topology.flotilla.dev/region and zone).
	Labels map[string]string
	// Taints of the MemberCluster (spec.taints).
	Taints []flotillav1alpha1.ClusterTaint
	// Ready is the caller's view of the cluster's health. A caller that tolerates short blips
	// (failover.tolerationSeconds) passes true during the blip.
	Ready bool
	// AvailableReplicas is how many more replicas of the workload's pod template the cluster
	// can fit (package fleet/capacity), not counting what the workload already runs there;
	// UnknownCapacity (-1) when not estimated.
	AvailableReplicas int32
}

// Workload is the Application being placed: its placement policy, its desired total replica
// count and where its replicas run now.
type Workload struct {
	// Placement is spec.placement of the Application.
	Placement *flotillav1alpha1.Placement
	// Replicas is the workload's desired total replica count.
	Replicas int32
	// Previous maps each cluster of the current placement to the replicas it holds there.
	// A cluster of the current placement holding zero replicas is present with 0.
	Previous map[string]int32
}

// Held reports the replicas the workload holds in the named cluster now and whether the cluster
// is part of the current placement.
func (w *Workload) Held(cluster string) (int32, bool) {
	n, ok := w.Previous[cluster]
	return n, ok
}

// Divided reports whether replicas are divided between clusters (not duplicated in each).
func (w *Workload) Divided() bool {
	return w.Placement != nil && w.Placement.ReplicaScheduling.Type == flotillav1alpha1.ReplicaSchedulingDivided
}

// Division is the division rule for Divided workloads, StaticWeights when unset.
func (w *Workload) Division() flotillav1alpha1.ReplicaDivision {
	if w.Placement == nil || w.Placement.ReplicaScheduling.Division == "" {
		return flotillav1alpha1.ReplicaDivisionStaticWeights
	}
	return w.Placement.ReplicaScheduling.Division
}

// ByCapacity reports whether the workload is Divided by AvailableCapacity.
func (w *Workload) ByCapacity() bool {
	return w.Divided() && w.Division() == flotillav1alpha1.ReplicaDivisionAvailableCapacity
}

// FilterResult is a FilterPlugin's verdict on one cluster.
type FilterResult struct {
	// Fits is true when the cluster can run the workload as far as the plugin knows.
	Fits bool
	// Reason says, for a user, why the cluster does not fit; empty when it fits.
	Reason string
}

// Fit is the verdict of a plugin that lets the cluster through.
func Fit() FilterResult { return FilterResult{Fits: true} }

// Unfit is the verdict of a plugin that rejects the cluster, with a reason for the user.
func Unfit(format string, args ...any) FilterResult {
	return FilterResult{Reason: fmt.Sprintf(format, args...)}
}

// Plugin is a named scheduling plugin.
type Plugin interface {
	// Name is the plugin's registry name, CamelCase, shown to users in reasons.
	Name() string
}

// PreFilterPlugin reads the workload once per cycle before any cluster is filtered or scored.
// An error means the workload's spec is invalid; it must name the field and how to fix it.
type PreFilterPlugin interface {
	Plugin
	PreFilter(state *CycleState, w *Workload) error
}

// FilterPlugin decides whether a cluster can run the workload.
type FilterPlugin interface {
	Plugin
	Filter(state *CycleState, w *Workload, c *Cluster) FilterResult
}

// ScorePlugin ranks a cluster that passed every filter: higher is better, within
// [MinScore, MaxScore].
type ScorePlugin interface {
	Plugin
	Score(state *CycleState, w *Workload, c *Cluster) int64
}

// ScoreNormalizer is implemented by ScorePlugins whose scores only mean something relative to
// the other clusters. NormalizeScore receives the plugin's raw scores, index-aligned with
// clusters, and rewrites them in place into [MinScore, MaxScore].
type ScoreNormalizer interface {
	NormalizeScore(state *CycleState, w *Workload, clusters []*Cluster, scores []int64)
}
