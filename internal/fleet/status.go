package fleet

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/fleet/capacity"
	"flotilla.dev/flotilla/internal/fleet/credentials"
)

// Observation is what one reconciliation learned about a member: the input of ComputeStatus.
type Observation struct {
	// Now is when the probe was taken.
	Now time.Time
	// Generation of the MemberCluster observed.
	Generation int64
	// Health is the hysteresis state after this probe.
	Health HealthState
	// Problem is why the probe failed or could not run (classified and redacted); nil on success.
	Problem error
	// Version is the member's Kubernetes version, on success.
	Version string
	// Latency of a successful probe.
	Latency time.Duration
	// Nodes are the capacity inputs from the member cache; Synced is false (and Nodes nil)
	// while that cache has not synced, in which case the previous counts are kept.
	Nodes  []capacity.Node
	Synced bool
}

// ComputeStatus derives the MemberCluster status from the previous one and an observation.
func ComputeStatus(old flotillav1alpha1.MemberClusterStatus, o Observation) flotillav1alpha1.MemberClusterStatus {
	st := *old.DeepCopy()
	st.ObservedGeneration = o.Generation
	now := metav1.NewTime(o.Now)
	st.LastProbeTime = &now
	if o.Problem == nil {
		st.KubernetesVersion = o.Version
		st.LastProbeLatencyMilliseconds = o.Latency.Milliseconds()
	}
	if o.Synced {
		st.Nodes = countNodes(o.Nodes)
		st.Resources = capacity.Summarize(o.Nodes)
	}
	reachable := reachableCondition(o)
	meta.SetStatusCondition(&st.Conditions, reachable)
	meta.SetStatusCondition(&st.Conditions, readyCondition(o, reachable, st.Nodes))
	return st
}

func countNodes(nodes []capacity.Node) flotillav1alpha1.NodeCount {
	c := flotillav1alpha1.NodeCount{Total: int32(min(len(nodes), 1<<30))}
	for i := range nodes {
		if nodes[i].Ready {
			c.Ready++
		}
	}
	return c
}

func reachableCondition(o Observation) metav1.Condition {
	c := metav1.Condition{
		Type:               flotillav1alpha1.ConditionReachable,
		ObservedGeneration: o.Generation,
		LastTransitionTime: metav1.NewTime(o.Health.Since),
	}
	switch o.Health.Verdict {
	case Reachable:
		c.Status, c.Reason = metav1.ConditionTrue, flotillav1alpha1.ReasonProbeSucceeded
		c.Message = "the API server answers"
		if o.Problem != nil {
			c.Message = fmt.Sprintf("probes failing since %s (still counted reachable until the failure threshold): %v",
				o.Health.ContradictedSince.UTC().Format(time.RFC3339), o.Problem)
		}
	case Unreachable:
		c.Status, c.Reason = metav1.ConditionFalse, credentials.Reason(o.Problem)
		c.Message = "the API server does not answer"
		if o.Problem != nil {
			c.Message = o.Problem.Error()
		} else {
			c.Message = fmt.Sprintf("probes succeed again since %s (reachable after the success threshold)",
				o.Health.ContradictedSince.UTC().Format(time.RFC3339))
		}
	default:
		c.Status, c.Reason = metav1.ConditionUnknown, flotillav1alpha1.ReasonAwaitingFirstProbe
		c.Message = "the cluster has not been probed yet"
		c.LastTransitionTime = metav1.NewTime(o.Now)
		if o.Problem != nil {
			c.Status, c.Reason, c.Message = metav1.ConditionFalse, credentials.Reason(o.Problem), o.Problem.Error()
		}
	}
	return c
}

func readyCondition(o Observation, reachable metav1.Condition, nodes flotillav1alpha1.NodeCount) metav1.Condition {
	c := metav1.Condition{
		Type:               flotillav1alpha1.ConditionReady,
		ObservedGeneration: o.Generation,
		LastTransitionTime: metav1.NewTime(o.Now),
	}
	switch {
	case reachable.Status != metav1.ConditionTrue:
		c.Status, c.Reason, c.Message = reachable.Status, reachable.Reason, reachable.Message
	case !o.Synced && nodes.Total == 0:
		// Just connected: no node counts yet. Unknown rather than a NoReadyNodes warning.
		c.Status, c.Reason = metav1.ConditionUnknown, flotillav1alpha1.ReasonAwaitingFirstProbe
		c.Message = "waiting for the member's node cache to sync"
	case nodes.Ready > 0:
		c.Status, c.Reason = metav1.ConditionTrue, flotillav1alpha1.ReasonNodesReady
		c.Message = fmt.Sprintf("%d of %d nodes Ready", nodes.Ready, nodes.Total)
	default:
		c.Status, c.Reason = metav1.ConditionFalse, flotillav1alpha1.ReasonNoReadyNodes
		c.Message = fmt.Sprintf("0 of %d nodes Ready", nodes.Total)
	}
	return c
}

// IsReady reports whether a status says the cluster is Ready.
func IsReady(st *flotillav1alpha1.MemberClusterStatus) bool {
	return meta.IsStatusConditionTrue(st.Conditions, flotillav1alpha1.ConditionReady)
}

// NeedsWrite reports whether next must be written over old: when anything but the probe time
// and latency changed, or when the recorded probe time is older than refresh.
func NeedsWrite(old, next *flotillav1alpha1.MemberClusterStatus, now time.Time, refresh time.Duration) bool {
	a, b := old.DeepCopy(), next.DeepCopy()
	a.LastProbeTime, b.LastProbeTime = nil, nil
	a.LastProbeLatencyMilliseconds, b.LastProbeLatencyMilliseconds = 0, 0
	if !equality.Semantic.DeepEqual(a, b) {
		return true
	}
	return old.LastProbeTime == nil || now.Sub(old.LastProbeTime.Time) >= refresh
}

// SeedFrom rebuilds the hysteresis state from a recorded status (see Seed).
func SeedFrom(st *flotillav1alpha1.MemberClusterStatus) HealthState {
	c := meta.FindStatusCondition(st.Conditions, flotillav1alpha1.ConditionReachable)
	if c == nil || c.Status == metav1.ConditionUnknown {
		return Seed(nil, time.Time{})
	}
	reachable := c.Status == metav1.ConditionTrue
	return Seed(&reachable, c.LastTransitionTime.Time)
}
