package fleet

import (
	"context"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/fleet/credentials"
)

// MemberClusterReconciler probes each member and writes its MemberCluster status and topology
// labels. It observes (credential, probe, member cache), calls the pure functions Observe and
// ComputeStatus, and writes once.
type MemberClusterReconciler struct {
	// Client reads and writes MemberClusters in the hub.
	Client client.Client
	// Secrets reads the kubeconfig Secrets (a cache of the Secrets namespace only).
	Secrets client.Reader
	// APIReader reads a Secret the cache does not have yet (just after a join).
	APIReader client.Reader
	// Registry holds the member connections.
	Registry *Registry
	// Events records transitions on the MemberCluster.
	Events events.EventRecorder

	opts Options
}

// +kubebuilder:rbac:groups=flotilla.dev,resources=memberclusters,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=flotilla.dev,resources=memberclusters/status,verbs=get;patch
// +kubebuilder:rbac:groups="",namespace=flotilla-system,resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile probes one member and records what it saw. It requeues itself after the probe
// interval (longer, with backoff, while the member is lost).
func (r *MemberClusterReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	log := ctrl.LoggerFrom(ctx)
	mc := &flotillav1alpha1.MemberCluster{}
	if err := r.Client.Get(ctx, req.NamespacedName, mc); err != nil {
		if apierrors.IsNotFound(err) {
			r.Registry.forget(req.Name)
			log.V(1).Info("member left the fleet; connection closed")
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	if !mc.DeletionTimestamp.IsZero() {
		r.Registry.forget(mc.Name)
		return ctrl.Result{}, nil
	}
	if err := r.syncTopologyLabels(ctx, mc); err != nil {
		return ctrl.Result{}, err
	}
	kubeconfig, credErr := r.readCredential(ctx, mc)
	if credErr != nil && !isCredentialProblem(credErr) {
		return ctrl.Result{}, credErr
	}
	obs := r.Registry.probe(ctx, probeInput{
		cluster: mc.Name, kubeconfig: kubeconfig, credErr: credErr, seed: SeedFrom(&mc.Status),
	})
	obs.Generation = mc.Generation
	next := ComputeStatus(mc.Status, obs)
	if NeedsWrite(&mc.Status, &next, obs.Now, r.opts.StatusRefreshInterval) {
		old := mc.Status.DeepCopy()
		patch := client.MergeFrom(mc.DeepCopy())
		mc.Status = next
		if err := r.Client.Status().Patch(ctx, mc, patch); err != nil {
			return ctrl.Result{}, fmt.Errorf("writing the status of MemberCluster %s: %w", mc.Name, err)
		}
		r.recordTransitions(mc, old, &next)
	}
	r.Registry.metrics.observeStatus(mc.Name, &next, IsReady(&next))
	if obs.Problem != nil {
		log.V(1).Info("probe failed", "verdict", obs.Health.Verdict, "problem", obs.Problem.Error())
	}
	return ctrl.Result{RequeueAfter: NextProbe(obs.Health, obs.Now, r.opts.ProbeInterval, r.opts.MaxProbeBackoff)}, nil
}

// readCredential returns the stored kubeconfig. A missing Secret or key is a credential
// problem (reported in the status); other errors are transient.
func (r *MemberClusterReconciler) readCredential(ctx context.Context, mc *flotillav1alpha1.MemberCluster) ([]byte, error) {
	key := client.ObjectKey{Namespace: r.opts.Namespace, Name: mc.Spec.SecretRef.Name}
	var s corev1.Secret
	err := r.Secrets.Get(ctx, key, &s)
	if apierrors.IsNotFound(err) && r.APIReader != nil {
		err = r.APIReader.Get(ctx, key, &s)
	}
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("%w: spec.secretRef.name names Secret %s, which does not exist; re-run 'flotilla join %s'", credentials.ErrMissing, key, mc.Name)
		}
		return nil, fmt.Errorf("reading Secret %s: %w", key, err)
	}
	data := s.Data[credentials.SecretKey]
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: Secret %s has no %q key; re-run 'flotilla join %s'", credentials.ErrMissing, key, credentials.SecretKey, mc.Name)
	}
	return data, nil
}

func isCredentialProblem(err error) bool {
	return credentials.Reason(err) == flotillav1alpha1.ReasonCredentialMissing
}

// syncTopologyLabels mirrors spec.region and spec.zone into the topology labels.
func (r *MemberClusterReconciler) syncTopologyLabels(ctx context.Context, mc *flotillav1alpha1.MemberCluster) error {
	want, changed := TopologyLabels(mc.Labels, mc.Spec.Region, mc.Spec.Zone)
	if !changed {
		return nil
	}
	patch := client.MergeFrom(mc.DeepCopy())
	mc.Labels = want
	if err := r.Client.Patch(ctx, mc, patch); err != nil {
		return fmt.Errorf("writing the topology labels of MemberCluster %s: %w", mc.Name, err)
	}
	return nil
}

// TopologyLabels returns labels with topology.flotilla.dev/region and /zone set to region and
// zone (removed when empty), and whether that changed anything. labels is not modified.
func TopologyLabels(labels map[string]string, region, zone string) (map[string]string, bool) {
	out := maps.Clone(labels)
	if out == nil {
		out = map[string]string{}
	}
	set := func(key, value string) {
		if value == "" {
			delete(out, key)
		} else {
			out[key] = value
		}
	}
	set(flotillav1alpha1.LabelRegion, region)
	set(flotillav1alpha1.LabelZone, zone)
	return out, !maps.Equal(out, labels)
}

// recordTransitions emits an Event when Reachable or Ready changes status.
func (r *MemberClusterReconciler) recordTransitions(mc *flotillav1alpha1.MemberCluster, old, next *flotillav1alpha1.MemberClusterStatus) {
	for _, t := range []struct{ cond, up, down string }{
		{flotillav1alpha1.ConditionReachable, "ClusterReachable", "ClusterUnreachable"},
		{flotillav1alpha1.ConditionReady, "ClusterReady", "ClusterNotReady"},
	} {
		before := meta.FindStatusCondition(old.Conditions, t.cond)
		after := meta.FindStatusCondition(next.Conditions, t.cond)
		if after == nil || (before != nil && before.Status == after.Status) || after.Status == metav1.ConditionUnknown {
			continue
		}
		kind, reason := corev1.EventTypeNormal, t.up
		if after.Status != metav1.ConditionTrue {
			kind, reason = corev1.EventTypeWarning, t.down
		}
		r.Events.Eventf(mc, nil, kind, reason, "Probe", "%s: %s", after.Reason, after.Message)
	}
}
