package federation

import (
	"context"
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/federation/render"
	"flotilla.dev/flotilla/internal/federation/status"
	"flotilla.dev/flotilla/internal/rollout/analysis"
	"flotilla.dev/flotilla/internal/rollout/planner"
)

// +kubebuilder:rbac:groups=flotilla.dev,resources=changefreezes,verbs=get;list;watch

// reconcileRollout renders the current revision for every chosen cluster, measures the canary
// when its analysis is due, and asks the planner what each cluster runs next.
func (r *ApplicationReconciler) reconcileRollout(ctx context.Context, s *scope) (bool, error) {
	now := r.opts.Clock.Now()
	s.rendered = map[string][]*unstructured.Unstructured{}
	in := planner.Input{Target: s.revision, Stable: s.app.Status.StableRevision, Previous: s.app.Status.Rollout,
		Control: controlOf(s.app), Now: now}
	if ref := workloadRef(s.app); ref != nil && ref.Kind == "Deployment" {
		in.Strategy = s.app.Spec.Rollout
	}
	if _, kept := s.revisions[in.Stable]; !kept && in.Stable != s.revision {
		in.Stable = "" // the stable revision was pruned from the history: nothing to go back to
	}
	for _, a := range s.chosen {
		c, obs := s.clusters[a.Name], s.observed[a.Name]
		if c == nil {
			continue
		}
		objs, err := render.Render(render.Input{
			Application: s.app.Name, Namespace: s.app.Namespace, Revision: s.revision,
			Resources: s.app.Spec.Resources, Overrides: s.app.Spec.Overrides,
			Cluster: render.Cluster{Name: a.Name, Labels: clusterLabels(s.members[a.Name])}, Replicas: a.Replicas,
		})
		if err != nil {
			c.ApplyError = err.Error()
			continue
		}
		s.rendered[a.Name] = objs
		pc := planner.Cluster{Name: a.Name, Labels: clusterLabels(s.members[a.Name]), Replicas: workloadReplicas(objs[len(objs)-1])}
		if c.Reachable && obs != nil {
			pc.Main, pc.Canary = plannerWorkload(c.Workload), plannerWorkload(obs.canary)
		}
		in.Clusters = append(in.Clusters, pc)
	}
	if in.Strategy != nil {
		freezes, err := r.freezes(ctx)
		if err != nil {
			return false, err
		}
		in.Freezes = freezes
		if in.Strategy.Analysis != nil {
			in.Analysis, in.Verdict = r.analyze(ctx, s, in.Strategy.Analysis, in.Stable, now)
		}
	}
	s.plan, s.planned = planner.Plan(in), true
	for _, e := range s.plan.Events {
		kind := corev1.EventTypeNormal
		if e.Warning {
			kind = corev1.EventTypeWarning
		}
		r.Events.Eventf(s.app, nil, kind, e.Reason, "Rollout", "%s", e.Message)
	}
	if len(s.plan.Events) > 0 {
		ctrl.LoggerFrom(ctx).Info("rollout", "revision", s.revision, "phase", phaseOf(s.plan.Status), "events", len(s.plan.Events))
	}
	s.requeueAfter(s.plan.Requeue)
	if st := s.plan.Status; st != nil && in.Strategy != nil && in.Strategy.Analysis != nil &&
		(st.Phase == flotillav1alpha1.RolloutProgressing || st.Phase == flotillav1alpha1.RolloutPaused) {
		// A crash-looping canary may change nothing the member watches report: measure anyway.
		s.requeueAfter(analysis.Interval(in.Strategy.Analysis))
	}
	r.metrics.observeRollout(s.app, s.plan.Status)
	countCanaries(s)
	return false, nil
}

// countCanaries adds each cluster's canary pods to what its status reports: they are replicas
// of the application too (of the current revision).
func countCanaries(s *scope) {
	for name, obs := range s.observed {
		c := s.clusters[name]
		if c == nil || obs.canary == nil {
			continue
		}
		w := status.Workload{Generation: 1, ObservedGeneration: 1}
		if c.Workload != nil {
			w = *c.Workload
		}
		k := obs.canary
		w.Replicas, w.Ready, w.Available, w.Updated = w.Replicas+k.Replicas, w.Ready+k.Ready, w.Available+k.Available, w.Updated+k.Updated
		c.Workload = &w
	}
}

func phaseOf(st *flotillav1alpha1.RolloutStatus) string {
	if st == nil {
		return ""
	}
	return string(st.Phase)
}

// controlOf reads the rollout controls of an Application.
func controlOf(app *flotillav1alpha1.Application) planner.Control {
	a := app.Annotations
	c := planner.Control{Promote: a[flotillav1alpha1.AnnotationPromote], PromoteFull: a[flotillav1alpha1.AnnotationPromoteFull],
		Abort: a[flotillav1alpha1.AnnotationAbort]}
	if app.Spec.Rollout != nil {
		c.Paused = app.Spec.Rollout.Paused
	}
	if t, err := time.Parse(time.RFC3339, a[flotillav1alpha1.AnnotationResumedAt]); err == nil {
		c.ResumedAt = t
	}
	return c
}

func plannerWorkload(w *status.Workload) planner.Workload {
	if w == nil {
		return planner.Workload{}
	}
	return planner.Workload{Exists: true, Revision: w.Revision, Replicas: w.Desired, Current: w.ObservedGeneration >= w.Generation,
		StatusReplicas: w.Replicas, Updated: w.Updated, Ready: w.Ready, Available: w.Available}
}

// freezes reads every ChangeFreeze of the fleet.
func (r *ApplicationReconciler) freezes(ctx context.Context) ([]planner.Freeze, error) {
	var list flotillav1alpha1.ChangeFreezeList
	if err := r.Client.List(ctx, &list); err != nil {
		return nil, err
	}
	out := make([]planner.Freeze, 0, len(list.Items))
	for _, f := range list.Items {
		pf := planner.Freeze{Name: f.Name, Frozen: f.Status.Frozen, Message: f.Status.Message}
		if f.Status.Since != nil {
			pf.Since = f.Status.Since.Time
		}
		out = append(out, pf)
	}
	return out, nil
}

// analyze measures the canary when the rollout of the current revision has one running and the
// interval has elapsed since the last measurement; otherwise it returns the recorded state.
func (r *ApplicationReconciler) analyze(ctx context.Context, s *scope, spec *flotillav1alpha1.RolloutAnalysis, stable string, now time.Time) (*flotillav1alpha1.AnalysisStatus, planner.Verdict) {
	prev := s.app.Status.Rollout
	if prev == nil || prev.Revision != s.revision ||
		(prev.Phase != flotillav1alpha1.RolloutProgressing && prev.Phase != flotillav1alpha1.RolloutPaused) {
		return nil, planner.Verdict{}
	}
	var clusters []string
	for _, c := range prev.Clusters {
		if c.Canary > 0 {
			clusters = append(clusters, c.Name)
		}
	}
	if len(clusters) == 0 {
		return prev.Analysis, planner.Verdict{}
	}
	interval := analysis.Interval(spec)
	if a := prev.Analysis; a != nil && a.MeasuredAt != nil {
		if due := a.MeasuredAt.Add(interval); now.Before(due) {
			s.requeueAfter(due.Sub(now))
			return prev.Analysis, planner.Verdict{}
		}
	}
	target := analysis.Target{Application: s.app.Name, Namespace: s.app.Namespace, Revision: s.revision, Stable: stable, Clusters: clusters}
	results := analysis.Measure(ctx, spec, target, analysis.Env{Pods: &canaryPods{r: r, s: s}, HTTP: r.opts.HTTP, Now: now})
	st, verdict := analysis.Fold(prev.Analysis, spec, results, now)
	r.metrics.observeAnalysis(s.app, results)
	s.requeueAfter(interval)
	return st, verdict
}

// canaryPods lists canary pods from the member API servers (the fleet cache keeps pods trimmed).
type canaryPods struct {
	r *ApplicationReconciler
	s *scope
}

func (p *canaryPods) CanaryPods(ctx context.Context, t analysis.Target) (analysis.Canary, error) {
	out := analysis.Canary{CreateFailures: map[string]string{}}
	for _, name := range t.Clusters {
		reader, err := p.r.Registry.APIReader(ctx, name)
		if err != nil {
			return out, err
		}
		var pods corev1.PodList
		if err := reader.List(ctx, &pods, client.InNamespace(t.Namespace), client.MatchingLabels{
			flotillav1alpha1.LabelTrack: flotillav1alpha1.TrackCanary, flotillav1alpha1.LabelApplication: t.Application,
		}); err != nil {
			return out, errors.Join(errors.New("listing canary pods in "+name), err)
		}
		for i := range pods.Items {
			out.Pods = append(out.Pods, analysis.ClusterPod{Cluster: name, Pod: pods.Items[i]})
		}
		if obs := p.s.observed[name]; obs != nil && obs.canary != nil && obs.canary.ReplicaFailure != "" {
			out.CreateFailures[name] = obs.canary.ReplicaFailure
		}
	}
	return out, nil
}

// canaryObject makes the canary Deployment from the current revision's rendered workload: the
// same object named "<name>-canary", its selector and pod template extended with
// flotilla.dev/track=canary (so neither Deployment owns the other's pods), sized replicas.
func canaryObject(workload *unstructured.Unstructured, replicas int32) *unstructured.Unstructured {
	c := workload.DeepCopy()
	c.SetName(workload.GetName() + flotillav1alpha1.CanarySuffix)
	l := c.GetLabels()
	l[flotillav1alpha1.LabelTrack] = flotillav1alpha1.TrackCanary
	c.SetLabels(l)
	_ = unstructured.SetNestedField(c.Object, int64(replicas), "spec", "replicas")
	_ = unstructured.SetNestedField(c.Object, flotillav1alpha1.TrackCanary, "spec", "selector", "matchLabels", flotillav1alpha1.LabelTrack)
	_ = unstructured.SetNestedField(c.Object, flotillav1alpha1.TrackCanary, "spec", "template", "metadata", "labels", flotillav1alpha1.LabelTrack)
	_ = unstructured.SetNestedField(c.Object, workload.GetLabels()[flotillav1alpha1.LabelApplication], "spec", "template", "metadata", "labels", flotillav1alpha1.LabelApplication)
	return c
}

// clusterObjects is what one cluster gets under the plan: the dependencies and workload of the
// revision its workload runs (sized by the plan), the current revision's dependencies it does not
// have yet, and the canary when the plan wants one. The workload is last, the canary before it.
func (r *ApplicationReconciler) clusterObjects(s *scope, name string, t planner.Target) ([]*unstructured.Unstructured, *unstructured.Unstructured, error) {
	current := s.rendered[name]
	var objs []*unstructured.Unstructured
	if t.MainRevision != "" && t.MainRevision != s.revision {
		old, err := render.Render(render.Input{
			Application: s.app.Name, Namespace: s.app.Namespace, Revision: t.MainRevision,
			Resources: s.revisions[t.MainRevision], Overrides: s.overrides[t.MainRevision],
			Cluster: render.Cluster{Name: name, Labels: clusterLabels(s.members[name])}, Replicas: t.MainReplicas,
		})
		if err != nil {
			return nil, nil, err
		}
		have := map[string]bool{}
		for _, o := range old {
			have[o.GetKind()+"/"+o.GetName()] = true
		}
		objs = old[: len(old)-1 : len(old)-1]
		for _, o := range current[:len(current)-1] {
			if !have[o.GetKind()+"/"+o.GetName()] {
				objs = append(objs, o)
			}
		}
		objs = append(objs, old[len(old)-1])
	} else {
		objs = append(make([]*unstructured.Unstructured, 0, len(current)), current...)
		objs[len(objs)-1] = current[len(current)-1].DeepCopy()
	}
	workload := objs[len(objs)-1]
	_ = unstructured.SetNestedField(workload.Object, int64(t.MainReplicas), "spec", "replicas")
	var canary *unstructured.Unstructured
	obs := s.observed[name]
	if t.Canary > 0 || (obs != nil && obs.canary != nil && obs.canary.Desired > 0) {
		canary = canaryObject(current[len(current)-1], t.Canary)
	}
	return objs, canary, nil
}
