package deploy

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// fieldOwner is this test's server-side apply field manager.
const fieldOwner = "flotilla-deploy-test"

// samples are the sample objects in config/samples.
var samples = install{name: "samples", dir: filepath.Join(root, "config", "samples")}

// TestServerSideDryRun applies every object of every rendering, and the samples, to a real hub
// API server with a server-side dry run: the API server validates each against its schema (the
// CRDs' too, CEL rules included), defaults it and runs admission, and persists nothing.
// cert-manager's and the Prometheus Operator's kinds are checked against stand-in CRDs
// (thirdPartyCRDs), their fields by TestManifests.
func TestServerSideDryRun(t *testing.T) {
	needHub(t)
	tl := findTools(t)
	ensureNamespace(t, tl)
	for _, in := range append(installs[:len(installs):len(installs)], samples) {
		t.Run(in.name, func(t *testing.T) {
			for _, o := range render(t, tl, in) {
				if err := apply(t, o, client.DryRunAll); err != nil {
					t.Errorf("%s: %v", key(o), err)
				}
			}
		})
	}
}

// TestPodsAreAdmittedAsRestricted creates, with a dry run, a Pod from each Deployment's template
// in flotilla-system, whose namespace enforces the Pod Security "restricted" level: the pods are
// valid and meet it.
func TestPodsAreAdmittedAsRestricted(t *testing.T) {
	needHub(t)
	tl := findTools(t)
	ensureNamespace(t, tl)
	ctx := context.Background()

	// The check checks: a pod that may run as root is refused.
	bad := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "root", Namespace: systemNamespace},
		Spec: corev1.PodSpec{AutomountServiceAccountToken: new(false), Containers: []corev1.Container{{Name: "c", Image: "example.com/c"}}}}
	if err := hub.Create(ctx, bad, client.DryRunAll); err == nil || !strings.Contains(err.Error(), "restricted") {
		t.Fatalf("flotilla-system does not enforce Pod Security restricted: a root pod got %v", err)
	}

	for _, in := range installs {
		t.Run(in.name, func(t *testing.T) {
			objs := render(t, tl, in)
			for _, sa := range ofKind(objs, "ServiceAccount") {
				if err := apply(t, sa); err != nil {
					t.Fatalf("%s: %v", key(sa), err)
				}
			}
			for _, o := range ofKind(objs, "Deployment") {
				var d appsv1.Deployment
				typed(t, o, &d)
				pod := &corev1.Pod{
					ObjectMeta: metav1.ObjectMeta{Name: d.Name + "-dry-run", Namespace: d.Namespace, Labels: d.Spec.Template.Labels},
					Spec:       d.Spec.Template.Spec,
				}
				if err := hub.Create(ctx, pod, client.DryRunAll); err != nil {
					t.Errorf("a pod of %s is refused: %v", key(o), err)
				}
			}
		})
	}
}

// TestRBAC creates each install's ServiceAccounts, roles and bindings for real and asks the hub
// (SubjectAccessReview) what each identity may do: the controller, the console, the hub API
// server's audit webhook and a person bound to flotilla-console-viewer.
func TestRBAC(t *testing.T) {
	needHub(t)
	tl := findTools(t)
	ensureNamespace(t, tl)
	const (
		controller = "system:serviceaccount:flotilla-system:flotilla-controller"
		console    = "system:serviceaccount:flotilla-system:flotilla-console"
		ingest     = "system:serviceaccount:flotilla-system:flotilla-apiserver-audit"
		viewer     = "viewer@example.com"
	)
	type access struct {
		user                                         string
		verb, group, resource, subresource, ns, name string
	}
	always := map[access]bool{
		// The controller: its generated roles, the Lease and credentials in flotilla-system only.
		{user: controller, verb: "update", group: "coordination.k8s.io", resource: "leases", ns: systemNamespace}:                 true,
		{user: controller, verb: "create", group: "coordination.k8s.io", resource: "leases", ns: "default"}:                       false,
		{user: controller, verb: "watch", resource: "secrets", ns: systemNamespace}:                                               true,
		{user: controller, verb: "get", resource: "secrets", ns: "default"}:                                                       false,
		{user: controller, verb: "patch", group: "flotilla.dev", resource: "applications", ns: "default"}:                         true,
		{user: controller, verb: "update", group: "flotilla.dev", resource: "applications", subresource: "status", ns: "default"}: true,
		{user: controller, verb: "patch", group: "flotilla.dev", resource: "memberclusters", subresource: "status"}:               true,
		{user: controller, verb: "create", group: "events.k8s.io", resource: "events", ns: "default"}:                             true,
		{user: controller, verb: "delete", group: "flotilla.dev", resource: "applications", ns: "default"}:                        false,
	}
	withConsole := map[access]bool{
		{user: controller, verb: "create", group: "flotilla.dev", resource: "auditrecords"}: true,
		// The console: reviews, impersonation (uid and extras too), and reading what it streams.
		{user: console, verb: "create", group: "authentication.k8s.io", resource: "tokenreviews"}:                                                          true,
		{user: console, verb: "create", group: "authorization.k8s.io", resource: "subjectaccessreviews"}:                                                   true,
		{user: console, verb: "impersonate", resource: "users", name: "alice"}:                                                                             true,
		{user: console, verb: "impersonate", resource: "groups", name: "team-a"}:                                                                           true,
		{user: console, verb: "impersonate", resource: "serviceaccounts", ns: "default", name: "deployer"}:                                                 true,
		{user: console, verb: "impersonate", group: "authentication.k8s.io", resource: "uids", name: "0b7a"}:                                               true,
		{user: console, verb: "impersonate", group: "authentication.k8s.io", resource: "userextras", subresource: "authentication.kubernetes.io/pod-name"}: true,
		{user: console, verb: "watch", group: "flotilla.dev", resource: "applicationrevisions"}:                                                            true,
		{user: console, verb: "list", group: "flotilla.dev", resource: "changefreezes"}:                                                                    true,
		{user: console, verb: "watch", group: "events.k8s.io", resource: "events"}:                                                                         true,
		{user: console, verb: "patch", group: "flotilla.dev", resource: "applications", ns: "default"}:                                                     false,
		{user: console, verb: "get", resource: "secrets", ns: systemNamespace}:                                                                             false,
		// The hub API server's audit webhook sends records and reads none.
		{user: ingest, verb: "create", group: "flotilla.dev", resource: "auditrecords"}: true,
		{user: ingest, verb: "list", group: "flotilla.dev", resource: "auditrecords"}:   false,
		// A person with flotilla-console-viewer reads, the audit trail included, and changes nothing.
		{user: viewer, verb: "list", group: "flotilla.dev", resource: "auditrecords"}:                 true,
		{user: viewer, verb: "watch", group: "flotilla.dev", resource: "resourcepolicies"}:            true,
		{user: viewer, verb: "create", group: "flotilla.dev", resource: "auditrecords"}:               false,
		{user: viewer, verb: "patch", group: "flotilla.dev", resource: "applications", ns: "default"}: false,
	}
	ctx := context.Background()
	for _, in := range installs {
		t.Run(in.name, func(t *testing.T) {
			var created []*unstructured.Unstructured
			for _, o := range render(t, tl, in) {
				switch o.GetKind() {
				case "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding":
					if err := apply(t, o); err != nil {
						t.Fatalf("%s: %v", key(o), err)
					}
					created = append(created, o)
				}
			}
			person := &rbacv1.ClusterRoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: "test-viewer"},
				RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "flotilla-console-viewer"},
				Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: viewer}},
			}
			if err := hub.Create(ctx, person); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				// The next install starts from nothing: what one grants must not pass for another's.
				for _, o := range append(created, toUnstructured(t, person)) {
					if err := hub.Delete(ctx, o.DeepCopy()); err != nil && !apierrors.IsNotFound(err) {
						t.Errorf("removing %s: %v", key(o), err)
					}
				}
			})
			want := map[access]bool{}
			for a, ok := range always {
				want[a] = ok
			}
			for a, ok := range withConsole {
				if in.console {
					want[a] = ok
				} else if a.user == controller {
					want[a] = false // no console, no audit records to send
				}
			}
			for a, ok := range want {
				// RBAC takes effect within moments of the bindings' creation.
				var got bool
				var reason string
				deadline := time.Now().Add(5 * time.Second)
				for {
					got, reason = review(t, a.user, authorizationv1.ResourceAttributes{Verb: a.verb, Group: a.group, Resource: a.resource,
						Subresource: a.subresource, Namespace: a.ns, Name: a.name})
					if got == ok || time.Now().After(deadline) {
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
				if got != ok {
					what := a.resource
					if a.subresource != "" {
						what += "/" + a.subresource
					}
					t.Errorf("%s may %s %s.%s in %q: %v, want %v (%s)", a.user, a.verb, what, a.group, a.ns, got, ok, reason)
				}
			}
		})
	}
}

// review asks the hub whether user may do attrs.
func review(t *testing.T, user string, attrs authorizationv1.ResourceAttributes) (bool, string) {
	t.Helper()
	groups := []string{"system:authenticated"}
	if strings.HasPrefix(user, "system:serviceaccount:") {
		groups = append(groups, "system:serviceaccounts", "system:serviceaccounts:"+strings.Split(user, ":")[2])
	}
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: user, Groups: groups, ResourceAttributes: &attrs,
	}}
	if err := hub.Create(context.Background(), sar); err != nil {
		t.Fatal(err)
	}
	return sar.Status.Allowed, sar.Status.Reason + sar.Status.EvaluationError
}

// ensureNamespace creates flotilla-system for real, as the kustomize install defines it (Pod
// Security "restricted" enforced), once.
func ensureNamespace(t *testing.T, tl tools) {
	t.Helper()
	for _, in := range installs {
		if in.name != "kustomize" {
			continue
		}
		ns := find(render(t, tl, in), "Namespace", systemNamespace)
		if ns == nil {
			t.Fatalf("the kustomize install has no Namespace %s", systemNamespace)
		}
		if ns.GetLabels()["pod-security.kubernetes.io/enforce"] != "restricted" {
			t.Errorf("Namespace %s does not enforce Pod Security restricted", systemNamespace)
		}
		if err := apply(t, ns); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatal("no kustomize install")
}

// apply server-side applies o (a copy) to the hub with opts.
func apply(t *testing.T, o *unstructured.Unstructured, opts ...client.ApplyOption) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	obj := o.DeepCopy()
	obj.SetResourceVersion("")
	opts = append(opts, client.FieldOwner(fieldOwner), client.ForceOwnership)
	if err := hub.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj), opts...); err != nil {
		return fmt.Errorf("server-side apply: %w", err)
	}
	return nil
}

// toUnstructured converts a typed object, for deleting it with the rest.
func toUnstructured(t *testing.T, obj client.Object) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	gvks, _, err := hub.Scheme().ObjectKinds(obj)
	if err != nil {
		t.Fatal(err)
	}
	u.SetGroupVersionKind(gvks[0])
	u.SetName(obj.GetName())
	u.SetNamespace(obj.GetNamespace())
	return u
}
