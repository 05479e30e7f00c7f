package federation

import (
	"context"
	"errors"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/federation/failover"
	"flotilla.dev/flotilla/internal/federation/render"
	"flotilla.dev/flotilla/internal/fleet"
)

type managedKind struct {
	kind string
	list client.ObjectList
}

// managedKinds are the kinds Flotilla may have put in a member for an Application, workloads
// first so that nothing runs without its dependencies.
func managedKinds() []managedKind {
	return []managedKind{
		{"Deployment", &appsv1.DeploymentList{}}, {"StatefulSet", &appsv1.StatefulSetList{}},
		{"Service", &corev1.ServiceList{}}, {"PersistentVolumeClaim", &corev1.PersistentVolumeClaimList{}},
		{"Secret", &corev1.SecretList{}}, {"ConfigMap", &corev1.ConfigMapList{}},
		{"ServiceAccount", &corev1.ServiceAccountList{}},
	}
}

// deleteManaged deletes the objects of app in one member, except those named in keep
// (kind/name), workloads first. Only the kinds in only are searched; nil means every kind.
func deleteManaged(ctx context.Context, cl client.Client, app *flotillav1alpha1.Application, keep, only map[string]bool) error {
	sel := client.MatchingLabels(render.ManagedLabels(app.Name, app.Namespace))
	var errs []error
	for _, mk := range managedKinds() {
		if only != nil && !only[mk.kind] {
			continue
		}
		if err := cl.List(ctx, mk.list, client.InNamespace(app.Namespace), sel); err != nil {
			errs = append(errs, err)
			continue
		}
		items, _ := meta.ExtractList(mk.list)
		for _, item := range items {
			o, ok := item.(client.Object)
			if !ok {
				continue
			}
			if keep[mk.kind+"/"+o.GetName()] {
				continue
			}
			policy := metav1.DeletePropagationBackground
			if err := cl.Delete(ctx, o, &client.DeleteOptions{PropagationPolicy: &policy}); client.IgnoreNotFound(err) != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// reconcileCleanup removes the copies of clusters that left the placement, once the new
// placement is fully ready (make-before-break); an unreachable one waits until it returns.
func (r *ApplicationReconciler) reconcileCleanup(ctx context.Context, s *scope) (bool, error) {
	removing := map[string]bool{}
	for name, c := range s.clusters {
		if c.Removing {
			removing[name] = true
		}
	}
	if len(removing) == 0 {
		return false, nil
	}
	placed := make([]flotillav1alpha1.ClusterStatus, 0, len(s.chosen))
	for _, a := range s.chosen {
		c := s.clusters[a.Name]
		st := flotillav1alpha1.ClusterStatus{Name: a.Name, Replicas: a.Replicas, Reachable: metav1.ConditionTrue}
		if !c.Reachable {
			st.Reachable = metav1.ConditionFalse
		}
		if w := c.Workload; w != nil && w.Revision == s.revision && w.ObservedGeneration >= w.Generation {
			st.ReadyReplicas = min(w.Ready, w.Updated)
		}
		placed = append(placed, st)
	}
	if !failover.CanRemove(placed, removing) {
		return false, nil // status updates of the new placement bring us back
	}
	for _, name := range sortedNames(removing) {
		obs := s.observed[name]
		if obs == nil {
			s.requeueAfter(r.opts.PendingRetry)
			continue
		}
		if err := deleteManaged(ctx, obs.client, s.app, nil, nil); err != nil {
			ctrl.LoggerFrom(ctx).Error(err, "removing the application from a cluster", "cluster", name)
			s.requeueAfter(r.opts.PendingRetry)
			continue
		}
		delete(s.clusters, name)
		r.mem.forgetWorkload(name, s.app.Namespace, s.app.Name)
		r.Events.Eventf(s.app, nil, corev1.EventTypeNormal, "Removed", "Cleanup", "removed from cluster %s", name)
	}
	return false, nil
}

// finalize removes the Application from every member it may be in, then drops the finalizer.
// A member that cannot be reached keeps the finalizer until it returns or is unjoined.
func (r *ApplicationReconciler) finalize(ctx context.Context, s *scope) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(s.app, Finalizer) {
		return ctrl.Result{}, nil
	}
	placedIn := map[string]bool{}
	for _, c := range s.app.Status.Clusters {
		placedIn[c.Name] = true
	}
	var pending []string
	for _, name := range sortedNames(s.members) {
		cl, err := r.Registry.Client(ctx, name)
		if err == nil {
			err = deleteManaged(ctx, cl, s.app, nil, nil)
		}
		if err != nil && (placedIn[name] || !errors.Is(err, fleet.ErrClusterNotConnected)) {
			pending = append(pending, name)
		}
	}
	if len(pending) > 0 {
		meta.SetStatusCondition(&s.app.Status.Conditions, metav1.Condition{
			Type: flotillav1alpha1.ConditionApplied, Status: metav1.ConditionFalse, Reason: flotillav1alpha1.ReasonClusterUnreachable,
			ObservedGeneration: s.app.Generation,
			Message: fmt.Sprintf("deleting: waiting to remove the application from %s; it is removed when they can be reached (or unjoin them)",
				strings.Join(pending, ", ")),
		})
		if err := r.Client.Status().Patch(ctx, s.app, client.MergeFrom(s.original)); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
		return ctrl.Result{RequeueAfter: r.opts.PendingRetry}, nil
	}
	for name := range s.members {
		r.mem.forgetWorkload(name, s.app.Namespace, s.app.Name)
	}
	r.metrics.forget(s.app)
	controllerutil.RemoveFinalizer(s.app, Finalizer)
	return ctrl.Result{}, client.IgnoreNotFound(r.Client.Update(ctx, s.app))
}
