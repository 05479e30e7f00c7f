package federation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/federation/status"
	"flotilla.dev/flotilla/internal/rollout/planner"
)

// reconcilePropagation applies the rendered manifests to every chosen, reachable cluster whose
// copy differs, has drifted or is due for its periodic re-apply, in parallel (bounded). A
// member's rejection is recorded on that cluster only.
func (r *ApplicationReconciler) reconcilePropagation(ctx context.Context, s *scope) (bool, error) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, r.opts.MaxParallelClusters)
	for _, a := range s.chosen {
		c, obs := s.clusters[a.Name], s.observed[a.Name]
		if c == nil || obs == nil || !c.Reachable || s.rendered[a.Name] == nil {
			continue
		}
		current := s.rendered[a.Name]
		c.Desired = workloadReplicas(current[len(current)-1]) // an override may replace the scheduler's count
		t, ok := s.plan.Targets[a.Name]
		if !ok {
			t = planner.Target{MainRevision: s.revision, MainReplicas: c.Desired}
		}
		objs, canary, err := r.clusterObjects(s, a.Name, t)
		if err != nil {
			c.ApplyError = err.Error()
			continue
		}
		all := objs
		if canary != nil {
			all = append(append([]*unstructured.Unstructured(nil), objs...), canary)
		}
		hash := renderedHash(all)
		canaryLeft := obs.canary != nil && t.Canary == 0
		if hash == obs.hash && c.AppliedRevision == t.MainRevision && c.Workload != nil && !canaryLeft && !r.needsReapply(ctx, s, a.Name, c) {
			continue
		}
		objs[len(objs)-1].SetAnnotations(withAnnotation(objs[len(objs)-1].GetAnnotations(), AnnotationRenderedHash, hash))
		wg.Add(1)
		sem <- struct{}{}
		go func(name string, c *status.Cluster, obs *observed, rev string) {
			defer func() { <-sem; wg.Done() }()
			r.applyToCluster(ctx, s, name, c, obs, objs, canary, rev)
		}(a.Name, c, obs, t.MainRevision)
	}
	wg.Wait()
	for _, a := range s.chosen {
		if c := s.clusters[a.Name]; c != nil && c.ApplyError != "" {
			s.requeueAfter(r.opts.PendingRetry) // a member may accept later (quota freed, object fixed)
		}
	}
	return false, nil
}

// needsReapply says whether an up-to-date copy must be applied again: its workload's spec was
// changed in the member (a generation Flotilla did not produce), or the periodic re-apply is
// due. Otherwise it asks to be reconciled when the re-apply falls due.
func (r *ApplicationReconciler) needsReapply(ctx context.Context, s *scope, cluster string, c *status.Cluster) bool {
	last, ok := r.mem.workload(cluster, s.app.Namespace, s.app.Name)
	now := r.opts.Clock.Now()
	if !ok {
		// Applied before this process started: what the member shows now is the baseline.
		last = appliedWorkload{generation: c.Workload.Generation, at: now}
		r.mem.setWorkload(cluster, s.app.Namespace, s.app.Name, last)
	}
	// A generation below the applied one is a cache that has not caught up with our apply yet.
	if c.Workload.Generation > last.generation {
		ctrl.LoggerFrom(ctx).Info("workload changed in the member; applying it again", "cluster", cluster,
			"generation", c.Workload.Generation, "appliedGeneration", last.generation)
		what := "the workload"
		if ref := workloadRef(s.app); ref != nil {
			what = ref.Kind + " " + ref.Name
		}
		r.Events.Eventf(s.app, nil, corev1.EventTypeNormal, ReasonDriftCorrected, "Apply",
			"%s was changed in cluster %s; applying it again", what, cluster)
		return true
	}
	due := last.at.Add(jittered(r.opts.ResyncPeriod, appKey(cluster, s.app.Namespace, s.app.Name)))
	if !now.Before(due) {
		return true
	}
	s.requeueAfter(due.Sub(now))
	return false
}

// ReasonDriftCorrected is the reason of the event recorded when a member's copy of the workload
// was changed there and Flotilla applied it again.
const ReasonDriftCorrected = "DriftCorrected"

// applyToCluster writes objs to one member: the dependencies (in parallel: none needs another),
// then, once they are all accepted, the workload. The first rejection (in order) stops that
// member, so a workload never runs without its dependencies.
func (r *ApplicationReconciler) applyToCluster(ctx context.Context, s *scope, name string, c *status.Cluster, obs *observed,
	objs []*unstructured.Unstructured, canary *unstructured.Unstructured, revision string) {
	cl := obs.client
	ctx, cancel := context.WithTimeout(ctx, r.opts.MemberTimeout)
	defer cancel()
	log := ctrl.LoggerFrom(ctx).WithValues("cluster", name)
	ns := s.app.Namespace
	if !r.mem.namespaceKnown(name, ns) {
		if err := ensureNamespace(ctx, cl, ns); err != nil {
			r.rejected(s, c, fmt.Sprintf("Namespace %s: %s", ns, memberMessage(err)))
			return
		}
		r.mem.setNamespace(name, ns, true)
	}
	keep := map[string]bool{}
	for _, o := range objs {
		keep[o.GetKind()+"/"+o.GetName()] = true
	}
	workload := objs[len(objs)-1]
	if canary != nil {
		keep[canary.GetKind()+"/"+canary.GetName()] = true
	}
	if msg := r.applyAll(ctx, name, cl, objs[:len(objs)-1]); msg != "" {
		r.rejected(s, c, msg)
		return
	}
	if canary != nil {
		if msg := r.applyOne(ctx, name, cl, canary); msg != "" {
			r.rejected(s, c, msg)
			return
		}
	} else if obs.canary != nil && obs.canary.Desired == 0 && obs.canary.Replicas == 0 {
		if err := deleteCanary(ctx, cl, workload); err != nil {
			r.rejected(s, c, "removing the canary: "+memberMessage(err))
			return
		}
	}
	if msg := r.applyAll(ctx, name, cl, []*unstructured.Unstructured{workload}); msg != "" {
		r.rejected(s, c, msg)
		return
	}
	r.mem.setWorkload(name, ns, s.app.Name, appliedWorkload{generation: workload.GetGeneration(), at: r.opts.Clock.Now()})
	prevRevision := c.AppliedRevision
	c.ApplyError, c.AppliedRevision = "", revision
	if kinds, some := pruneKinds(prevRevision, s.revisions, keep); some {
		if err := deleteManaged(ctx, cl, s.app, keep, kinds); err != nil {
			log.Error(err, "pruning objects no longer in spec.resources")
		}
	}
	log.V(1).Info("applied", "revision", revision, "objects", len(objs), "canary", canary != nil)
}

// deleteCanary removes the canary Deployment of workload once it has no pods left.
func deleteCanary(ctx context.Context, cl client.Client, workload *unstructured.Unstructured) error {
	d := &appsv1.Deployment{}
	d.Name, d.Namespace = workload.GetName()+flotillav1alpha1.CanarySuffix, workload.GetNamespace()
	return client.IgnoreNotFound(cl.Delete(ctx, d))
}

// applyAll applies objs to one member at once and returns the message of the first rejection
// in their order, or "".
func (r *ApplicationReconciler) applyAll(ctx context.Context, cluster string, cl client.Client, objs []*unstructured.Unstructured) string {
	msgs := make([]string, len(objs))
	if len(objs) == 1 {
		msgs[0] = r.applyOne(ctx, cluster, cl, objs[0])
	} else {
		var wg sync.WaitGroup
		for i, o := range objs {
			wg.Go(func() { msgs[i] = r.applyOne(ctx, cluster, cl, o) })
		}
		wg.Wait()
	}
	for _, m := range msgs {
		if m != "" {
			return m
		}
	}
	return ""
}

// applyOne applies o; when the member says NotFound, its namespace was deleted since it was
// known to exist: it is created again and o applied once more. o receives the member's answer.
func (r *ApplicationReconciler) applyOne(ctx context.Context, cluster string, cl client.Client, o *unstructured.Unstructured) string {
	apply := func() error {
		return cl.Apply(ctx, client.ApplyConfigurationFromUnstructured(o), client.FieldOwner(FieldManager), client.ForceOwnership)
	}
	err := apply()
	if apierrors.IsNotFound(err) && o.GetNamespace() != "" {
		r.mem.setNamespace(cluster, o.GetNamespace(), false)
		if nsErr := ensureNamespace(ctx, cl, o.GetNamespace()); nsErr != nil {
			return fmt.Sprintf("Namespace %s: %s", o.GetNamespace(), memberMessage(nsErr))
		}
		r.mem.setNamespace(cluster, o.GetNamespace(), true)
		err = apply()
	}
	if err != nil {
		return fmt.Sprintf("%s %s: %s", o.GetKind(), o.GetName(), memberMessage(err))
	}
	return ""
}

// pruneKinds says which kinds to search for objects of the Application that are no longer
// rendered (not in keep): the kinds of the objects of its known revisions that are not kept.
// Every kind is searched (nil, true) when the cluster's last applied revision is not known
// (first apply there, or a revision already pruned from the history): it may hold anything.
func pruneKinds(prevRevision string, revisions map[string][]flotillav1alpha1.Manifest, keep map[string]bool) (map[string]bool, bool) {
	if _, known := revisions[prevRevision]; !known {
		return nil, true
	}
	kinds := map[string]bool{}
	for _, resources := range revisions {
		for _, m := range resources {
			kind, name, ok := kindAndName(m)
			if !ok {
				return nil, true
			}
			if !keep[kind+"/"+name] {
				kinds[kind] = true
			}
		}
	}
	return kinds, len(kinds) > 0
}

// kindAndName reads the kind and name of a manifest.
func kindAndName(m flotillav1alpha1.Manifest) (string, string, bool) {
	raw := m.Raw
	if len(raw) == 0 && m.Object != nil {
		b, err := json.Marshal(m.Object)
		if err != nil {
			return "", "", false
		}
		raw = b
	}
	var head struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.Kind == "" {
		return "", "", false
	}
	return head.Kind, head.Metadata.Name, true
}

func (r *ApplicationReconciler) rejected(s *scope, c *status.Cluster, msg string) {
	c.ApplyError = msg
	r.Events.Eventf(s.app, nil, corev1.EventTypeWarning, flotillav1alpha1.ReasonApplyFailed, "Apply", "cluster %s rejected %s", c.Name, msg)
}

// memberMessage is the member's own message for a rejection.
func memberMessage(err error) string {
	var status apierrors.APIStatus
	if ok := asAPIStatus(err, &status); ok && status.Status().Message != "" {
		return status.Status().Message
	}
	return err.Error()
}

func asAPIStatus(err error, target *apierrors.APIStatus) bool {
	for e := err; e != nil; {
		if s, ok := e.(apierrors.APIStatus); ok {
			*target = s
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

func ensureNamespace(ctx context.Context, cl client.Client, ns string) error {
	err := cl.Get(ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{})
	if !apierrors.IsNotFound(err) {
		return err
	}
	obj := &corev1.Namespace{}
	obj.Name = ns
	obj.Labels = map[string]string{flotillav1alpha1.LabelManagedBy: flotillav1alpha1.ManagedByFlotilla}
	if err := cl.Create(ctx, obj); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return nil
}

// renderedHash identifies a rendered set of manifests.
func renderedHash(objs []*unstructured.Unstructured) string {
	h := sha256.New()
	for _, o := range objs {
		b, _ := json.Marshal(o.Object)
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func withAnnotation(a map[string]string, k, v string) map[string]string {
	if a == nil {
		a = map[string]string{}
	}
	a[k] = v
	return a
}

// sortedNames returns the keys of m, sorted.
func sortedNames[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
