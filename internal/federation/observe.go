package federation

import (
	"context"
	"errors"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/federation/status"
	"flotilla.dev/flotilla/internal/fleet"
)

// AnnotationRenderedHash on a member workload is the hash of everything last applied to that
// cluster; an unchanged hash means there is nothing to write.
const AnnotationRenderedHash = "flotilla.dev/rendered-hash"

// observed is what was read of one member in this pass.
type observed struct {
	client client.Client
	hash   string
	// canary is the member's canary Deployment of the Application (nil when absent).
	canary *status.Workload
}

// reconcileObservation reads the member workloads of every cluster of the old and new placement
// from the fleet cache, and marks clusters that left the placement as Removing.
func (r *ApplicationReconciler) reconcileObservation(ctx context.Context, s *scope) (bool, error) {
	for _, prev := range s.app.Status.Clusters {
		if _, chosen := s.clusters[prev.Name]; chosen {
			continue
		}
		if _, member := s.members[prev.Name]; !member {
			continue // unjoined: nothing can be cleaned there
		}
		s.cluster(prev.Name).Removing = true
	}
	ref := workloadRef(s.app)
	for name, c := range s.clusters {
		cl, err := r.Registry.Client(ctx, name)
		if errors.Is(err, fleet.ErrClusterNotConnected) {
			c.Reachable = false
			continue
		}
		if err != nil {
			return false, err
		}
		obs := &observed{client: cl}
		s.observed[name] = obs
		w, hash, err := readWorkload(ctx, cl, ref, s.app.Namespace)
		if err != nil {
			c.Reachable = false
			continue
		}
		c.Workload, obs.hash = w, hash
		// A canary exists only under a rollout (spec.rollout, or a status.rollout still removing
		// canaries): other Applications spare each member a read that would miss the cache.
		if ref != nil && ref.Kind == "Deployment" && (s.app.Spec.Rollout != nil || s.app.Status.Rollout != nil) {
			canaryRef := *ref
			canaryRef.Name += flotillav1alpha1.CanarySuffix
			if obs.canary, _, err = readWorkload(ctx, cl, &canaryRef, s.app.Namespace); err != nil {
				c.Reachable = false
			}
		}
	}
	return false, nil
}

// readWorkload reads the member's copy of the workload; nil when it does not exist.
func readWorkload(ctx context.Context, c client.Client, ref *flotillav1alpha1.WorkloadReference, ns string) (*status.Workload, string, error) {
	if ref == nil {
		return nil, "", nil
	}
	key := client.ObjectKey{Namespace: ns, Name: ref.Name}
	var obj client.Object
	switch ref.Kind {
	case "StatefulSet":
		obj = &appsv1.StatefulSet{}
	default:
		obj = &appsv1.Deployment{}
	}
	if err := c.Get(ctx, key, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, "", nil
		}
		return nil, "", err
	}
	w := &status.Workload{Generation: obj.GetGeneration(), Revision: obj.GetAnnotations()[flotillav1alpha1.AnnotationRevision]}
	switch o := obj.(type) {
	case *appsv1.Deployment:
		w.ObservedGeneration, w.Replicas, w.Ready = o.Status.ObservedGeneration, o.Status.Replicas, o.Status.ReadyReplicas
		w.Updated, w.Available, w.Desired = o.Status.UpdatedReplicas, o.Status.AvailableReplicas, ptr.Deref(o.Spec.Replicas, 1)
		for _, c := range o.Status.Conditions {
			if c.Type == appsv1.DeploymentReplicaFailure && c.Status == corev1.ConditionTrue {
				w.ReplicaFailure = c.Message
			}
		}
	case *appsv1.StatefulSet:
		w.ObservedGeneration, w.Replicas, w.Ready = o.Status.ObservedGeneration, o.Status.Replicas, o.Status.ReadyReplicas
		w.Updated, w.Available, w.Desired = o.Status.UpdatedReplicas, o.Status.AvailableReplicas, ptr.Deref(o.Spec.Replicas, 1)
	}
	return w, obj.GetAnnotations()[AnnotationRenderedHash], nil
}
