package join

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/fleet/credentials"
)

// ErrNotJoined means no MemberCluster and no Secret of that name exist.
var ErrNotJoined = errors.New("cluster not joined")

// ObjectRef names one object in a member cluster.
type ObjectRef struct {
	Kind      schema.GroupVersionKind
	Namespace string
	Name      string
}

func (o ObjectRef) String() string {
	kind := o.Kind.Kind
	if o.Kind.Group != "" {
		kind += "." + o.Kind.Group
	}
	if o.Namespace == "" {
		return kind + "/" + o.Name
	}
	return kind + "/" + o.Namespace + "/" + o.Name
}

// UnjoinPlan is what Unjoin would remove.
type UnjoinPlan struct {
	// Cluster is the MemberCluster name.
	Cluster string
	// MemberCluster exists in the hub.
	MemberCluster bool
	// Secret is the credential Secret, when it exists.
	Secret *client.ObjectKey
	// MemberObjects are the objects labelled app.kubernetes.io/managed-by=flotilla in the
	// member, namespaces last.
	MemberObjects []ObjectRef
	// MemberUnreachable says why the member's objects could not be listed; they are then left
	// in place.
	MemberUnreachable error

	kubeconfig []byte
}

// managedKinds are the kinds Flotilla creates in members, in deletion order.
var managedKinds = []schema.GroupVersionKind{
	{Group: "apps", Version: "v1", Kind: "Deployment"},
	{Group: "apps", Version: "v1", Kind: "StatefulSet"},
	{Version: "v1", Kind: "Service"},
	{Version: "v1", Kind: "ConfigMap"},
	{Version: "v1", Kind: "Secret"},
	{Version: "v1", Kind: "ServiceAccount"},
	{Version: "v1", Kind: "PersistentVolumeClaim"},
	{Version: "v1", Kind: "Namespace"},
}

// PlanUnjoin finds what unjoining cluster would remove. It reaches the member with the stored
// credential, within timeout, to list the objects Flotilla created there.
func PlanUnjoin(ctx context.Context, hub client.Client, cluster, namespace string, timeout time.Duration) (*UnjoinPlan, error) {
	if namespace == "" {
		namespace = flotillav1alpha1.SystemNamespace
	}
	plan := &UnjoinPlan{Cluster: cluster}
	var mc flotillav1alpha1.MemberCluster
	secretName := credentials.SecretName(cluster)
	switch err := hub.Get(ctx, client.ObjectKey{Name: cluster}, &mc); {
	case err == nil:
		plan.MemberCluster = true
		secretName = mc.Spec.SecretRef.Name
	case !apierrors.IsNotFound(err):
		return nil, fmt.Errorf("reading MemberCluster %s: %w", cluster, err)
	}
	var s corev1.Secret
	key := client.ObjectKey{Namespace: namespace, Name: secretName}
	switch err := hub.Get(ctx, key, &s); {
	case err == nil:
		plan.Secret = &key
		plan.kubeconfig = s.Data[credentials.SecretKey]
	case !apierrors.IsNotFound(err):
		return nil, fmt.Errorf("reading Secret %s: %w", key, err)
	}
	if !plan.MemberCluster && plan.Secret == nil {
		return nil, fmt.Errorf("%w: no MemberCluster %q and no Secret %s in the hub ('flotilla get clusters' lists the members)", ErrNotJoined, cluster, key)
	}
	if plan.kubeconfig == nil {
		plan.MemberUnreachable = fmt.Errorf("%w: no stored kubeconfig", credentials.ErrMissing)
		return plan, nil
	}
	member, err := memberClient(plan.kubeconfig)
	if err != nil {
		plan.MemberUnreachable = err
		return plan, nil
	}
	listCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	plan.MemberObjects, plan.MemberUnreachable = listManaged(listCtx, member)
	return plan, nil
}

func memberClient(kubeconfig []byte) (client.Client, error) {
	parsed, err := credentials.Parse(kubeconfig)
	if err != nil {
		return nil, err
	}
	c, err := client.New(parsed.REST, client.Options{})
	if err != nil {
		return nil, parsed.Redactor.RedactError(credentials.Classify(err, parsed.REST.Host))
	}
	return &redactingClient{Client: c, redactor: parsed.Redactor, server: parsed.REST.Host}, nil
}

// listManaged lists the objects labelled managed-by=flotilla, metadata only.
func listManaged(ctx context.Context, member client.Client) ([]ObjectRef, error) {
	var out []ObjectRef
	for _, gvk := range managedKinds {
		list := &metav1.PartialObjectMetadataList{}
		list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
		err := member.List(ctx, list, client.MatchingLabels{flotillav1alpha1.LabelManagedBy: flotillav1alpha1.ManagedByFlotilla})
		if err != nil {
			return nil, err
		}
		for _, item := range list.Items {
			out = append(out, ObjectRef{Kind: gvk, Namespace: item.Namespace, Name: item.Name})
		}
	}
	return out, nil
}

// Unjoin carries out plan: it deletes the member's Flotilla objects (unless the member was
// unreachable when planned), then the Secret and the MemberCluster. It stops at the first
// failure in the member, leaving the hub objects so that Unjoin can be retried.
func Unjoin(ctx context.Context, hub client.Client, plan *UnjoinPlan) error {
	if plan.MemberUnreachable == nil && len(plan.MemberObjects) > 0 {
		member, err := memberClient(plan.kubeconfig)
		if err != nil {
			return err
		}
		for _, ref := range plan.MemberObjects {
			obj := &metav1.PartialObjectMetadata{}
			obj.SetGroupVersionKind(ref.Kind)
			obj.SetNamespace(ref.Namespace)
			obj.SetName(ref.Name)
			if err := member.Delete(ctx, obj, client.PropagationPolicy(metav1.DeletePropagationBackground)); client.IgnoreNotFound(err) != nil {
				return fmt.Errorf("deleting %s in member %s: %w (nothing was removed from the hub; retry 'flotilla unjoin %s --yes')", ref, plan.Cluster, err, plan.Cluster)
			}
		}
	}
	if plan.Secret != nil {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: plan.Secret.Namespace, Name: plan.Secret.Name}}
		if err := hub.Delete(ctx, s); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting Secret %s in the hub: %w", plan.Secret, err)
		}
	}
	if plan.MemberCluster {
		mc := &flotillav1alpha1.MemberCluster{ObjectMeta: metav1.ObjectMeta{Name: plan.Cluster}}
		if err := hub.Delete(ctx, mc); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting MemberCluster %s in the hub: %w", plan.Cluster, err)
		}
	}
	return nil
}

// redactingClient classifies and redacts the errors of a member client.
type redactingClient struct {
	client.Client
	redactor credentials.Redactor
	server   string
}

func (c *redactingClient) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	return c.wrap(c.Client.List(ctx, list, opts...))
}

func (c *redactingClient) Delete(ctx context.Context, obj client.Object, opts ...client.DeleteOption) error {
	err := c.Client.Delete(ctx, obj, opts...)
	if apierrors.IsNotFound(err) {
		return err
	}
	return c.wrap(err)
}

func (c *redactingClient) wrap(err error) error {
	return c.redactor.RedactError(credentials.Classify(err, c.server))
}
