// Package status aggregates what an Application's clusters report into its status: per-cluster
// placement and replica counts, fleet totals, and the conditions Scheduled, Applied, Available
// and Progressing. It is pure: the reconciler gathers the observations and writes the result.
//
// Counting rules: a cluster that cannot be reached counts zero ready, updated and available
// replicas (its last report may be stale); a cluster being removed (no longer chosen, its copy
// kept until the new placement is ready) is listed with reason Removing but not counted.
package status

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// ReasonRemoving is the status.clusters[].reason of a cluster whose copy is being removed.
const ReasonRemoving = "Removing"

// Workload is what a member reports of the Application's workload.
type Workload struct {
	// Generation and ObservedGeneration of the member object.
	Generation, ObservedGeneration int64
	// Replicas, Ready, Updated and Available come from the member's workload status.
	Replicas, Ready, Updated, Available int32
	// Revision is the member object's flotilla.dev/revision annotation.
	Revision string
	// Desired is the member object's spec.replicas.
	Desired int32
	// ReplicaFailure is the message of the workload's ReplicaFailure condition (pods cannot be
	// created), or "".
	ReplicaFailure string
}

// Cluster is everything known of one cluster in this pass.
type Cluster struct {
	// Name of the member cluster.
	Name string
	// Desired replicas the scheduler gave it; Removing marks a cluster no longer chosen whose
	// copy still exists.
	Desired  int32
	Removing bool
	// Reason the scheduler gave.
	Reason string
	// Reachable is false when the hub cannot talk to the cluster.
	Reachable bool
	// ApplyError is the member's message when it rejected a manifest; empty on success.
	ApplyError string
	// AppliedRevision is the revision last applied successfully (this pass or earlier).
	AppliedRevision string
	// Workload is what the member reports; nil when the workload is absent or unknown.
	Workload *Workload
}

// Input is what one aggregation depends on.
type Input struct {
	Generation int64
	// Revision is the current revision's name.
	Revision string
	Workload *flotillav1alpha1.WorkloadReference
	// Invalid, when set, is why the spec cannot be rendered (condition Scheduled=False, reason
	// InvalidSpec); nothing else is decided then.
	Invalid string
	// Unschedulable is the scheduler's message; with no chosen cluster it means NoClusterFits.
	Unschedulable string
	// NotChosen says why clusters were left out ("member-3: ClusterSelector: ..."), for the
	// Scheduled condition's message.
	NotChosen []string
	Clusters  []Cluster
	Evictions []flotillav1alpha1.Eviction
	// Previous conditions, so that unchanged conditions keep their transition time.
	Previous []metav1.Condition
	Now      time.Time
}

// Aggregate returns the Application status for in.
func Aggregate(in Input) flotillav1alpha1.ApplicationStatus {
	st := flotillav1alpha1.ApplicationStatus{
		ObservedGeneration: in.Generation,
		CurrentRevision:    in.Revision,
		Workload:           in.Workload,
		Evictions:          in.Evictions,
		Conditions:         append([]metav1.Condition(nil), in.Previous...),
	}
	for _, c := range in.Clusters {
		cs := clusterStatus(c)
		st.Clusters = append(st.Clusters, cs)
		if c.Removing {
			continue
		}
		st.Replicas += cs.Replicas
		st.ReadyReplicas += cs.ReadyReplicas
		st.UpdatedReplicas += cs.UpdatedReplicas
		st.AvailableReplicas += cs.AvailableReplicas
	}
	sort.Slice(st.Clusters, func(i, j int) bool { return st.Clusters[i].Name < st.Clusters[j].Name })
	for _, cond := range conditions(in, &st) {
		cond.ObservedGeneration = in.Generation
		cond.LastTransitionTime = metav1.NewTime(in.Now)
		meta.SetStatusCondition(&st.Conditions, cond)
	}
	return st
}

func clusterStatus(c Cluster) flotillav1alpha1.ClusterStatus {
	cs := flotillav1alpha1.ClusterStatus{Name: c.Name, Replicas: c.Desired, Reason: c.Reason, AppliedRevision: c.AppliedRevision,
		Reachable: metav1.ConditionTrue}
	if c.Removing {
		cs.Replicas, cs.Reason = 0, ReasonRemoving
	}
	if !c.Reachable {
		cs.Reachable = metav1.ConditionFalse
	}
	if c.ApplyError != "" {
		cs.Reason, cs.Message = flotillav1alpha1.ReasonApplyFailed, c.ApplyError
	}
	if c.Reachable && c.Workload != nil {
		cs.ReadyReplicas = c.Workload.Ready
		cs.AvailableReplicas = c.Workload.Available
		if c.Workload.Revision == c.AppliedRevision {
			cs.UpdatedReplicas = c.Workload.Updated
		}
	}
	return cs
}

func conditions(in Input, st *flotillav1alpha1.ApplicationStatus) []metav1.Condition {
	if in.Invalid != "" {
		return []metav1.Condition{
			cond(flotillav1alpha1.ConditionScheduled, false, flotillav1alpha1.ReasonInvalidSpec, in.Invalid),
			cond(flotillav1alpha1.ConditionProgressing, false, flotillav1alpha1.ReasonInvalidSpec, "the spec cannot be rendered; nothing is being changed"),
		}
	}
	return []metav1.Condition{scheduled(in), applied(in), available(st), progressing(in, st)}
}

func cond(t string, ok bool, reason, msg string) metav1.Condition {
	s := metav1.ConditionFalse
	if ok {
		s = metav1.ConditionTrue
	}
	return metav1.Condition{Type: t, Status: s, Reason: reason, Message: msg}
}

func placed(in Input) []Cluster {
	var out []Cluster
	for _, c := range in.Clusters {
		if !c.Removing {
			out = append(out, c)
		}
	}
	return out
}

func scheduled(in Input) metav1.Condition {
	chosen := placed(in)
	if len(chosen) == 0 && in.Unschedulable != "" {
		return cond(flotillav1alpha1.ConditionScheduled, false, flotillav1alpha1.ReasonNoClusterFits, in.Unschedulable)
	}
	parts := make([]string, 0, len(chosen))
	for _, c := range chosen {
		parts = append(parts, fmt.Sprintf("%s=%d", c.Name, c.Desired))
	}
	msg := fmt.Sprintf("placed on %d cluster(s): %s", len(chosen), strings.Join(parts, ", "))
	if in.Unschedulable != "" {
		msg += "; " + in.Unschedulable
	}
	if len(in.NotChosen) > 0 {
		msg += "; not chosen: " + strings.Join(in.NotChosen, "; ")
	}
	return cond(flotillav1alpha1.ConditionScheduled, true, flotillav1alpha1.ReasonScheduled, msg)
}

func applied(in Input) metav1.Condition {
	var failed, unreachable []string
	for _, c := range in.Clusters {
		switch {
		case !c.Reachable:
			unreachable = append(unreachable, c.Name)
		case c.ApplyError != "":
			failed = append(failed, c.Name+": "+c.ApplyError)
		}
	}
	switch {
	case len(failed) > 0:
		return cond(flotillav1alpha1.ConditionApplied, false, flotillav1alpha1.ReasonApplyFailed, strings.Join(failed, "; "))
	case len(unreachable) > 0:
		return cond(flotillav1alpha1.ConditionApplied, false, flotillav1alpha1.ReasonClusterUnreachable,
			"cannot reach "+strings.Join(unreachable, ", ")+"; changes are applied when they return")
	}
	return cond(flotillav1alpha1.ConditionApplied, true, flotillav1alpha1.ReasonApplied, "revision "+in.Revision+" applied to every chosen cluster")
}

func available(st *flotillav1alpha1.ApplicationStatus) metav1.Condition {
	msg := fmt.Sprintf("%d/%d replicas ready", st.ReadyReplicas, st.Replicas)
	if st.ReadyReplicas >= st.Replicas {
		return cond(flotillav1alpha1.ConditionAvailable, true, flotillav1alpha1.ReasonReplicasReady, msg)
	}
	return cond(flotillav1alpha1.ConditionAvailable, false, flotillav1alpha1.ReasonReplicasNotReady, msg)
}

func progressing(in Input, st *flotillav1alpha1.ApplicationStatus) metav1.Condition {
	if len(in.Evictions) > 0 {
		for _, c := range in.Clusters {
			if c.Removing {
				return cond(flotillav1alpha1.ConditionProgressing, true, flotillav1alpha1.ReasonFailoverInProgress,
					"moving replicas away from lost cluster(s); their copies are removed once the replacements are ready")
			}
		}
	}
	var pending []string
	for _, c := range in.Clusters {
		if !settled(c, in.Revision) {
			pending = append(pending, c.Name)
		}
	}
	if len(pending) > 0 {
		return cond(flotillav1alpha1.ConditionProgressing, true, flotillav1alpha1.ReasonRolloutInProgress,
			fmt.Sprintf("revision %s: waiting for %s (%d/%d replicas updated)", in.Revision, strings.Join(pending, ", "), st.UpdatedReplicas, st.Replicas))
	}
	return cond(flotillav1alpha1.ConditionProgressing, false, flotillav1alpha1.ReasonRolloutComplete, "revision "+in.Revision+" runs in every chosen cluster")
}

// settled is true when a cluster runs the current revision with every desired replica updated
// and ready, or, for a cluster being removed, when nothing is left of it.
func settled(c Cluster, revision string) bool {
	if c.Removing {
		return false
	}
	w := c.Workload
	if !c.Reachable || c.ApplyError != "" || c.AppliedRevision != revision || w == nil {
		return c.Desired == 0 && c.Reachable && c.ApplyError == ""
	}
	return w.Revision == revision && w.ObservedGeneration >= w.Generation &&
		w.Updated >= c.Desired && w.Ready >= c.Desired && w.Replicas == w.Updated
}
