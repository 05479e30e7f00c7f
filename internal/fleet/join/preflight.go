package join

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"flotilla.dev/flotilla/internal/fleet/credentials"
)

// ErrInsufficientPermissions means the credential may not do everything Flotilla needs.
var ErrInsufficientPermissions = errors.New("the credential lacks permissions Flotilla needs")

// Permission is one verb on one resource, cluster-wide.
type Permission struct {
	Group, Resource, Verb string
}

func (p Permission) String() string {
	if p.Group == "" {
		return p.Verb + " " + p.Resource
	}
	return p.Verb + " " + p.Resource + "." + p.Group
}

// RequiredPermissions is what Flotilla does in a member: manage the workloads and their
// dependencies it propagates, and read nodes and pods for capacity and status.
func RequiredPermissions() []Permission {
	manage := []string{"create", "patch", "delete", "get", "list", "watch"}
	read := []string{"get", "list", "watch"}
	var out []Permission
	for _, r := range []struct{ group, resource string }{
		{"apps", "deployments"}, {"apps", "statefulsets"},
		{"", "configmaps"}, {"", "secrets"}, {"", "services"}, {"", "serviceaccounts"},
		{"", "persistentvolumeclaims"}, {"", "namespaces"},
	} {
		for _, v := range manage {
			out = append(out, Permission{Group: r.group, Resource: r.resource, Verb: v})
		}
	}
	for _, res := range []string{"nodes", "pods"} {
		for _, v := range read {
			out = append(out, Permission{Resource: res, Verb: v})
		}
	}
	return out
}

// Identity is what the preflight learned about a cluster.
type Identity struct {
	// Version is the Kubernetes version of the API server.
	Version string
	// ClusterID is the UID of the kube-system namespace.
	ClusterID string
}

// Preflight checks that the cluster at cfg answers with the credential (errors classified by
// credentials.Classify), that the credential has RequiredPermissions, and returns its identity.
func Preflight(ctx context.Context, cfg *rest.Config, redactor credentials.Redactor) (Identity, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 100, 200 // one access review per permission
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: %s", ErrKubeconfig, redactor.Redact(err.Error()))
	}
	fail := func(err error) (Identity, error) {
		return Identity{}, redactor.RedactError(credentials.Classify(err, cfg.Host))
	}
	body, err := cs.Discovery().RESTClient().Get().AbsPath("/version").Do(ctx).Raw()
	if err != nil {
		return fail(err)
	}
	var info version.Info
	if err := json.Unmarshal(body, &info); err != nil {
		return Identity{}, fmt.Errorf("the server at %s answered /version with something that is not a Kubernetes version; is clusters[].cluster.server right?", cfg.Host)
	}
	missing, err := missingPermissions(ctx, cs)
	if err != nil {
		return fail(err)
	}
	if len(missing) > 0 {
		return Identity{}, fmt.Errorf("%w: %s; bind the credential's user to a ClusterRole that grants them (see docs/fleet.md)", ErrInsufficientPermissions, joinPermissions(missing))
	}
	ns, err := cs.CoreV1().Namespaces().Get(ctx, metav1.NamespaceSystem, metav1.GetOptions{})
	if err != nil {
		return fail(err)
	}
	return Identity{Version: info.GitVersion, ClusterID: string(ns.UID)}, nil
}

// missingPermissions asks the member, one SelfSubjectAccessReview per permission.
func missingPermissions(ctx context.Context, cs kubernetes.Interface) ([]Permission, error) {
	var missing []Permission
	for _, p := range RequiredPermissions() {
		review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
			ResourceAttributes: &authorizationv1.ResourceAttributes{Group: p.Group, Resource: p.Resource, Verb: p.Verb},
		}}
		got, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
		if err != nil {
			return nil, err
		}
		if !got.Status.Allowed {
			missing = append(missing, p)
		}
	}
	return missing, nil
}

func joinPermissions(ps []Permission) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, ", ")
}
