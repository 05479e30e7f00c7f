package federation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/federation/render"
	"flotilla.dev/flotilla/internal/federation/status"
)

// reconcilePropagation applies the rendered manifests to every chosen, reachable cluster whose
// copy differs, in parallel (bounded). A member's rejection is recorded on that cluster only.
func (r *ApplicationReconciler) reconcilePropagation(ctx context.Context, s *scope) (bool, error) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, r.opts.MaxParallelClusters)
	for _, a := range s.chosen {
		c, obs := s.clusters[a.Name], s.observed[a.Name]
		if c == nil || obs == nil || !c.Reachable {
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
		c.Desired = workloadReplicas(objs[len(objs)-1]) // an override may replace the scheduler's count
		hash := renderedHash(objs)
		if hash == obs.hash && c.AppliedRevision == s.revision && c.Workload != nil {
			continue
		}
		objs[len(objs)-1].SetAnnotations(withAnnotation(objs[len(objs)-1].GetAnnotations(), AnnotationRenderedHash, hash))
		wg.Add(1)
		sem <- struct{}{}
		go func(name string, c *status.Cluster, cl client.Client) {
			defer func() { <-sem; wg.Done() }()
			r.applyToCluster(ctx, s, name, c, cl, objs)
		}(a.Name, c, obs.client)
	}
	wg.Wait()
	for _, a := range s.chosen {
		if c := s.clusters[a.Name]; c != nil && c.ApplyError != "" {
			s.requeueAfter(r.opts.PendingRetry) // a member may accept later (quota freed, object fixed)
		}
	}
	return false, nil
}

// applyToCluster writes objs in order to one member; the first rejection stops that member.
func (r *ApplicationReconciler) applyToCluster(ctx context.Context, s *scope, name string, c *status.Cluster, cl client.Client, objs []*unstructured.Unstructured) {
	ctx, cancel := context.WithTimeout(ctx, r.opts.MemberTimeout)
	defer cancel()
	log := ctrl.LoggerFrom(ctx).WithValues("cluster", name)
	if err := ensureNamespace(ctx, cl, s.app.Namespace); err != nil {
		r.rejected(s, c, fmt.Sprintf("Namespace %s: %s", s.app.Namespace, memberMessage(err)))
		return
	}
	keep := map[string]bool{}
	for _, o := range objs {
		keep[o.GetKind()+"/"+o.GetName()] = true
		if err := cl.Apply(ctx, client.ApplyConfigurationFromUnstructured(o), client.FieldOwner(FieldManager), client.ForceOwnership); err != nil {
			r.rejected(s, c, fmt.Sprintf("%s %s: %s", o.GetKind(), o.GetName(), memberMessage(err)))
			return
		}
	}
	c.ApplyError, c.AppliedRevision = "", s.revision
	if err := deleteManaged(ctx, cl, s.app, keep); err != nil {
		log.Error(err, "pruning objects no longer in spec.resources")
	}
	log.V(1).Info("applied", "revision", s.revision, "objects", len(objs))
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
