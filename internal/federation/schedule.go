package federation

import (
	"context"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/federation/failover"
	"flotilla.dev/flotilla/internal/federation/render"
	"flotilla.dev/flotilla/internal/federation/status"
	"flotilla.dev/flotilla/internal/fleet/capacity"
	"flotilla.dev/flotilla/internal/scheduling"
)

// reconcileSchedule decides failover exclusions and the placement. When nothing fits, the
// current placement is kept.
func (r *ApplicationReconciler) reconcileSchedule(ctx context.Context, s *scope) (bool, error) {
	_, workload, err := render.Workload(s.app.Spec.Resources, s.app.Namespace)
	if err != nil {
		s.invalid = err.Error()
		return true, nil
	}
	now := r.opts.Clock.Now()
	s.failover = failover.Decide(failover.Input{
		Policy: s.app.Spec.Failover, Now: now, Health: r.health(s, now),
		Placement: placedClusters(s.app.Status.Clusters), Evictions: s.app.Status.Evictions,
	})
	s.requeueAfter(s.failover.RequeueAfter)
	r.recordFailoverEvents(s)
	replicas := workloadReplicas(workload)
	if s.app.Spec.Replicas != nil {
		replicas = *s.app.Spec.Replicas // scaled: `flotilla scale`, the scale subresource, a FleetAutoscaler
	}
	in := scheduling.Input{
		Placement: s.app.Spec.Placement, Replicas: replicas,
		Clusters: r.schedulingClusters(s, podNeeds(workload)), Excluded: s.failover.Exclude,
	}
	for _, c := range placedClusters(s.app.Status.Clusters) {
		in.Previous = append(in.Previous, scheduling.Assignment{Name: c.Name, Replicas: c.Replicas})
	}
	decision, err := scheduling.Schedule(in)
	if err != nil {
		s.invalid = err.Error()
		return true, nil
	}
	s.decision = decision
	s.chosen = decision.Clusters
	if len(decision.Clusters) == 0 && decision.Unschedulable != "" {
		s.chosen = in.Previous
	}
	for _, a := range s.chosen {
		c := s.cluster(a.Name)
		c.Desired, c.Reason = a.Replicas, a.Reason
	}
	return false, nil
}

// placedClusters are the clusters of a status placement, without those being removed.
func placedClusters(all []flotillav1alpha1.ClusterStatus) []flotillav1alpha1.ClusterStatus {
	out := make([]flotillav1alpha1.ClusterStatus, 0, len(all))
	for _, c := range all {
		if c.Reason != status.ReasonRemoving {
			out = append(out, c)
		}
	}
	return out
}

// health is failover's view of every member: lost when the registry says it is not Ready, since
// the registry's lost time, else the Ready condition's transition.
func (r *ApplicationReconciler) health(s *scope, now time.Time) map[string]failover.Health {
	out := make(map[string]failover.Health, len(s.members))
	for name, mc := range s.members {
		h, known := r.Registry.Health(name)
		if known && h.Ready {
			out[name] = failover.Health{}
			continue
		}
		since := now
		if known && !h.LostSince.IsZero() {
			since = h.LostSince
		} else if c := meta.FindStatusCondition(mc.Status.Conditions, flotillav1alpha1.ConditionReady); c != nil && c.Status != "True" {
			since = c.LastTransitionTime.Time
		}
		out[name] = failover.Health{Lost: true, LostSince: since}
	}
	return out
}

func (r *ApplicationReconciler) recordFailoverEvents(s *scope) {
	for _, name := range s.failover.Started {
		r.Events.Eventf(s.app, s.members[name], "Warning", flotillav1alpha1.ReasonFailoverInProgress, "Failover",
			"cluster %s is lost beyond the tolerance: moving its replicas elsewhere", name)
	}
	for _, name := range s.failover.Ended {
		r.Events.Eventf(s.app, nil, "Normal", "FailoverEnded", "Failover", "cluster %s may be chosen again", name)
	}
}

// schedulingClusters describes every member for the scheduler. Held clusters (blips) are
// presented as Ready so that they keep their replicas.
func (r *ApplicationReconciler) schedulingClusters(s *scope, needs capacity.PodNeeds) []scheduling.Cluster {
	out := make([]scheduling.Cluster, 0, len(s.members))
	for name, mc := range s.members {
		h, _ := r.Registry.Health(name)
		c := scheduling.Cluster{
			Name: name, Labels: clusterLabels(mc), Taints: mc.Spec.Taints,
			Ready:             (h.Ready && conditionStatus(mc, flotillav1alpha1.ConditionReady) == "True") || s.failover.Hold[name],
			AvailableReplicas: scheduling.UnknownCapacity,
		}
		if nodes, err := r.Registry.Nodes(name); err == nil {
			c.AvailableReplicas = capacity.Estimate(nodes, needs)
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// clusterLabels are the MemberCluster's labels plus its region and zone.
func clusterLabels(mc *flotillav1alpha1.MemberCluster) map[string]string {
	l := make(map[string]string, len(mc.Labels)+2)
	for k, v := range mc.Labels {
		l[k] = v
	}
	if mc.Spec.Region != "" {
		l[flotillav1alpha1.LabelRegion] = mc.Spec.Region
	}
	if mc.Spec.Zone != "" {
		l[flotillav1alpha1.LabelZone] = mc.Spec.Zone
	}
	return l
}

func conditionStatus(mc *flotillav1alpha1.MemberCluster, t string) string {
	if c := meta.FindStatusCondition(mc.Status.Conditions, t); c != nil {
		return string(c.Status)
	}
	return ""
}

func conditionMessage(conds []metav1.Condition, t string) string {
	if c := meta.FindStatusCondition(conds, t); c != nil {
		return c.Message
	}
	return ""
}

// workloadReplicas is the workload's spec.replicas, 1 when unset (the API default).
func workloadReplicas(w *unstructured.Unstructured) int32 {
	n, found, err := unstructured.NestedInt64(w.Object, "spec", "replicas")
	if !found || err != nil {
		return 1
	}
	return int32(max(min(n, 1<<31-1), 0))
}

// podNeeds is what one replica of the workload's pod template requests.
func podNeeds(w *unstructured.Unstructured) capacity.PodNeeds {
	raw, _, _ := unstructured.NestedMap(w.Object, "spec", "template")
	var t corev1.PodTemplateSpec
	_ = runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &t)
	return capacity.PodNeedsFromTemplate(&t)
}

// workloadRef names the Application's workload.
func workloadRef(app *flotillav1alpha1.Application) *flotillav1alpha1.WorkloadReference {
	_, w, err := render.Workload(app.Spec.Resources, app.Namespace)
	if err != nil {
		return nil
	}
	return &flotillav1alpha1.WorkloadReference{APIVersion: w.GetAPIVersion(), Kind: w.GetKind(), Name: w.GetName()}
}
