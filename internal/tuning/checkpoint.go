package tuning

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// ProfileSuffix names the ConfigMap, beside each ResourcePolicy in the hub, that holds its
// usage profiles: <policy>-usage-profile. It is owned by the policy.
const ProfileSuffix = "-usage-profile"

// profileKey is the ConfigMap data key of the checkpoint.
const profileKey = "profile"

// restore loads a policy's profiles from its checkpoint, once per policy per process.
func (r *Reconciler) restore(ctx context.Context, p *flotillav1alpha1.ResourcePolicy, key string, now time.Time) {
	r.tracker.mu.Lock()
	done := r.tracker.restored[key]
	if !done {
		r.tracker.restored[key], r.tracker.saved[key] = true, now
	}
	r.tracker.mu.Unlock()
	if done {
		return
	}
	cm := &corev1.ConfigMap{}
	if err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: p.Namespace, Name: p.Name + ProfileSuffix}, cm); err != nil {
		return
	}
	if err := r.tracker.store.Restore(key, []byte(cm.Data[profileKey]), now); err != nil {
		r.Events.Eventf(p, nil, corev1.EventTypeWarning, "ProfileUnreadable", "Restore",
			"the saved usage profile in ConfigMap %s is unreadable, profiling starts over: %v", cm.Name, err)
	}
}

// checkpoint saves a policy's profiles to the hub every CheckpointInterval.
func (r *Reconciler) checkpoint(ctx context.Context, p *flotillav1alpha1.ResourcePolicy, key string, now time.Time) {
	r.tracker.mu.Lock()
	due := now.Sub(r.tracker.saved[key]) >= r.opts.CheckpointInterval
	if due {
		r.tracker.saved[key] = now
	}
	r.tracker.mu.Unlock()
	if !due {
		return
	}
	data, err := r.tracker.store.Checkpoint(key)
	if err != nil {
		log.FromContext(ctx).Info("checkpointing the usage profile", "error", err.Error())
		return
	}
	if err := r.saveProfile(ctx, p, data); err != nil {
		log.FromContext(ctx).Info("saving the usage profile", "error", err.Error())
	}
}

func (r *Reconciler) saveProfile(ctx context.Context, p *flotillav1alpha1.ResourcePolicy, data []byte) error {
	cm := corev1ac.ConfigMap(p.Name+ProfileSuffix, p.Namespace).
		WithLabels(map[string]string{"flotilla.dev/resource-policy": p.Name}).
		WithOwnerReferences(metav1ac.OwnerReference().WithAPIVersion(flotillav1alpha1.GroupVersion.String()).
			WithKind("ResourcePolicy").WithName(p.Name).WithUID(p.UID)).
		WithData(map[string]string{profileKey: string(data)})
	return r.Client.Apply(ctx, cm, client.FieldOwner("flotilla-tuning"), client.ForceOwnership)
}
