package join

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/fleet/credentials"
)

// Errors about the hub's state. Test with errors.Is.
var (
	// ErrAlreadyJoined: the cluster is already a member under another name.
	ErrAlreadyJoined = errors.New("cluster already joined")
	// ErrNameTaken: a MemberCluster of that name exists for another cluster.
	ErrNameTaken = errors.New("member cluster name already in use")
)

// Options say which cluster to join and how placement sees it.
type Options struct {
	// Name of the MemberCluster: a DNS label.
	Name string
	// KubeconfigPath is the member's kubeconfig file; Kubeconfig holds its bytes instead.
	KubeconfigPath string
	Kubeconfig     []byte
	// Context in the kubeconfig; empty means its current-context.
	Context string
	// Region and Zone of the cluster (optional).
	Region, Zone string
	// Namespace in the hub that holds the credential (default flotilla-system).
	Namespace string
	// Timeout bounds the checks against the member (default 30s).
	Timeout time.Duration
}

// Join checks the member and the hub, then stores the credential and creates the
// MemberCluster. Joining the same cluster again under the same name updates its credential,
// region and zone. On any error nothing it created is left behind. Errors name the problem:
// see ErrInvalidName, ErrContextNotFound, ErrKubeconfig, ErrInsufficientPermissions,
// ErrAlreadyJoined, ErrNameTaken, and credentials.ErrUnreachable, ErrUnknownAuthority,
// ErrBadCertificate and ErrUnauthorized.
func Join(ctx context.Context, hub client.Client, opts Options) (*flotillav1alpha1.MemberCluster, error) {
	opts = withDefaults(opts)
	if err := ValidateName(opts.Name); err != nil {
		return nil, err
	}
	kubeconfig, err := Kubeconfig(opts.KubeconfigPath, opts.Kubeconfig, opts.Context)
	if err != nil {
		return nil, err
	}
	parsed, err := credentials.Parse(kubeconfig)
	if err != nil {
		return nil, err
	}
	checkCtx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	id, err := Preflight(checkCtx, parsed.REST, parsed.Redactor)
	if err != nil {
		return nil, fmt.Errorf("joining %s: %w", opts.Name, err)
	}
	if err := checkHub(ctx, hub, opts.Name, id.ClusterID); err != nil {
		return nil, err
	}
	return store(ctx, hub, opts, kubeconfig, id)
}

func withDefaults(o Options) Options {
	if o.Namespace == "" {
		o.Namespace = flotillav1alpha1.SystemNamespace
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	return o
}

// checkHub refuses a cluster joined under another name and a name used by another cluster.
func checkHub(ctx context.Context, hub client.Client, name, clusterID string) error {
	var same flotillav1alpha1.MemberClusterList
	if err := hub.List(ctx, &same, client.MatchingLabels{flotillav1alpha1.LabelClusterID: clusterID}); err != nil {
		return fmt.Errorf("listing MemberClusters in the hub: %w", err)
	}
	for _, mc := range same.Items {
		if mc.Name != name {
			return fmt.Errorf("%w: this cluster (kube-system namespace UID %s) is already joined as %q; run 'flotilla unjoin %s' first, or re-run join with that name", ErrAlreadyJoined, clusterID, mc.Name, mc.Name)
		}
	}
	var existing flotillav1alpha1.MemberCluster
	err := hub.Get(ctx, client.ObjectKey{Name: name}, &existing)
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return fmt.Errorf("reading MemberCluster %s in the hub: %w", name, err)
	case existing.Labels[flotillav1alpha1.LabelClusterID] != clusterID:
		return fmt.Errorf("%w: MemberCluster %q belongs to another cluster (kube-system UID %s); choose another name or run 'flotilla unjoin %s' first", ErrNameTaken, name, existing.Labels[flotillav1alpha1.LabelClusterID], name)
	}
	return nil
}

// store writes the Secret then the MemberCluster, undoing the Secret if the rest fails.
func store(ctx context.Context, hub client.Client, opts Options, kubeconfig []byte, id Identity) (*flotillav1alpha1.MemberCluster, error) {
	if err := ensureNamespace(ctx, hub, opts.Namespace); err != nil {
		return nil, err
	}
	undo, err := writeSecret(ctx, hub, opts, kubeconfig)
	if err != nil {
		return nil, err
	}
	mc, err := writeMemberCluster(ctx, hub, opts, id)
	if err == nil {
		err = ownSecret(ctx, hub, opts, mc)
	}
	if err != nil {
		if uerr := undo(context.WithoutCancel(ctx)); uerr != nil {
			return nil, errors.Join(err, fmt.Errorf("undoing the Secret %s/%s: %w (delete it by hand)", opts.Namespace, credentials.SecretName(opts.Name), uerr))
		}
		return nil, err
	}
	return mc, nil
}

func ensureNamespace(ctx context.Context, hub client.Client, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := hub.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating namespace %s in the hub: %w", name, err)
	}
	return nil
}

// writeSecret creates or updates the credential Secret and returns how to undo that.
func writeSecret(ctx context.Context, hub client.Client, opts Options, kubeconfig []byte) (func(context.Context) error, error) {
	key := client.ObjectKey{Namespace: opts.Namespace, Name: credentials.SecretName(opts.Name)}
	var existing corev1.Secret
	err := hub.Get(ctx, key, &existing)
	if apierrors.IsNotFound(err) {
		s := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name, Labels: map[string]string{
				credentials.LabelCluster: opts.Name, flotillav1alpha1.LabelManagedBy: flotillav1alpha1.ManagedByFlotilla,
			}},
			Type: corev1.SecretTypeOpaque,
			Data: map[string][]byte{credentials.SecretKey: kubeconfig},
		}
		if err := hub.Create(ctx, s); err != nil {
			return nil, fmt.Errorf("creating Secret %s in the hub: %w", key, err)
		}
		return func(ctx context.Context) error { return client.IgnoreNotFound(hub.Delete(ctx, s)) }, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading Secret %s in the hub: %w", key, err)
	}
	previous := existing.DeepCopy()
	existing.Data = map[string][]byte{credentials.SecretKey: kubeconfig}
	if err := hub.Update(ctx, &existing); err != nil {
		return nil, fmt.Errorf("updating Secret %s in the hub: %w", key, err)
	}
	return func(ctx context.Context) error {
		previous.ResourceVersion = existing.ResourceVersion
		return hub.Update(ctx, previous)
	}, nil
}

// writeMemberCluster creates the MemberCluster, or updates the one already joined for the same
// cluster under the same name.
func writeMemberCluster(ctx context.Context, hub client.Client, opts Options, id Identity) (*flotillav1alpha1.MemberCluster, error) {
	mc := &flotillav1alpha1.MemberCluster{ObjectMeta: metav1.ObjectMeta{Name: opts.Name}}
	err := hub.Get(ctx, client.ObjectKeyFromObject(mc), mc)
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("reading MemberCluster %s in the hub: %w", opts.Name, err)
	}
	exists := err == nil
	if mc.Labels == nil {
		mc.Labels = map[string]string{}
	}
	mc.Labels[flotillav1alpha1.LabelClusterID] = id.ClusterID
	setOrDelete(mc.Labels, flotillav1alpha1.LabelRegion, opts.Region)
	setOrDelete(mc.Labels, flotillav1alpha1.LabelZone, opts.Zone)
	mc.Spec.SecretRef.Name = credentials.SecretName(opts.Name)
	mc.Spec.Region, mc.Spec.Zone = opts.Region, opts.Zone
	if exists {
		if err := hub.Update(ctx, mc); err != nil {
			return nil, fmt.Errorf("updating MemberCluster %s in the hub: %w", opts.Name, err)
		}
		return mc, nil
	}
	if err := hub.Create(ctx, mc); err != nil {
		return nil, fmt.Errorf("creating MemberCluster %s in the hub: %w", opts.Name, err)
	}
	return mc, nil
}

// ownSecret makes the MemberCluster own its Secret, so deleting it by hand removes both.
func ownSecret(ctx context.Context, hub client.Client, opts Options, mc *flotillav1alpha1.MemberCluster) error {
	var s corev1.Secret
	key := client.ObjectKey{Namespace: opts.Namespace, Name: credentials.SecretName(opts.Name)}
	if err := hub.Get(ctx, key, &s); err != nil {
		return fmt.Errorf("reading Secret %s in the hub: %w", key, err)
	}
	patch := client.MergeFrom(s.DeepCopy())
	s.OwnerReferences = []metav1.OwnerReference{{
		APIVersion: flotillav1alpha1.GroupVersion.String(), Kind: "MemberCluster",
		Name: mc.Name, UID: mc.UID, BlockOwnerDeletion: ptr.To(false),
	}}
	if err := hub.Patch(ctx, &s, patch); err != nil {
		return fmt.Errorf("setting the owner of Secret %s: %w", key, err)
	}
	return nil
}

func setOrDelete(m map[string]string, key, value string) {
	if value == "" {
		delete(m, key)
		return
	}
	m[key] = value
}
