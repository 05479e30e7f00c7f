package admission_test

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	appcontroller "flotilla.dev/flotilla/internal/app/controller"
	"flotilla.dev/flotilla/internal/devfleet/binaries"
	"flotilla.dev/flotilla/internal/platform/scheme"
)

// startHub starts a hub API server with Flotilla's CRDs and the generated webhook configuration
// (envtest issues the serving certificate and points the configuration at it), runs the hub
// manager with the webhook enabled, and returns a client once the webhook serves.
func startHub(t *testing.T) client.Client {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: starts a kube-apiserver and etcd (run without -short)")
	}
	dir, err := binaries.DefaultPins.Find()
	if err != nil {
		t.Skipf("integration test needs the pinned binaries: %v", err)
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..", "..")
	env := &envtest.Environment{
		BinaryAssetsDirectory: dir,
		Scheme:                scheme.Scheme,
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		WebhookInstallOptions: envtest.WebhookInstallOptions{
			Paths:                    []string{filepath.Join(root, "config", "webhook")},
			IgnoreErrorIfPathMissing: false,
		},
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("starting envtest: %v", err)
	}
	t.Cleanup(func() { _ = env.Stop() })

	o := appcontroller.DefaultOptions()
	o.MetricsAddr, o.ProbeAddr = "0", "0"
	wh := env.WebhookInstallOptions
	o.WebhookHost, o.WebhookPort, o.WebhookCertDir = wh.LocalServingHost, wh.LocalServingPort, wh.LocalServingCertDir
	mgr, err := appcontroller.NewManager(cfg, o, testr.New(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(ctx); err != nil {
			t.Errorf("manager: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	started := mgr.GetWebhookServer().StartedChecker()
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return started(nil) == nil, nil
	}); err != nil {
		t.Fatalf("the webhook server did not start: %v", err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const validApp = `
apiVersion: flotilla.dev/v1alpha1
kind: Application
metadata: {name: web}
spec:
  resources:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 3
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: registry.example.com/web:v1}]}
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: web-config}
    data: {greeting: hello}
`

// app decodes validApp as namespace/name with the given overrides (YAML).
func app(t *testing.T, ns, name, overrides string) *flotillav1alpha1.Application {
	t.Helper()
	a := &flotillav1alpha1.Application{}
	if err := yaml.UnmarshalStrict([]byte(validApp), a); err != nil {
		t.Fatal(err)
	}
	a.Namespace, a.Name = ns, name
	if overrides != "" {
		if err := yaml.UnmarshalStrict([]byte(overrides), &a.Spec.Overrides); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func namespace(t *testing.T, c client.Client, name string) string {
	t.Helper()
	if err := c.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
		t.Fatal(err)
	}
	return name
}

// wantInvalid fails unless err is the webhook's Invalid answer naming field.
func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	if !apierrors.IsInvalid(err) {
		t.Fatalf("want an Invalid error naming %s, got %v", field, err)
	}
	if !strings.Contains(err.Error(), "admission webhook \"applications.flotilla.dev\" denied the request") {
		t.Errorf("want the webhook's denial, got %v", err)
	}
	if !strings.Contains(err.Error(), field) {
		t.Errorf("error does not name %s: %v", field, err)
	}
}

func TestWebhookRejectsApplicationsThatDoNotRender(t *testing.T) {
	c := startHub(t)
	ctx := context.Background()
	ns := namespace(t, c, "team-a")

	t.Run("valid Application is accepted", func(t *testing.T) {
		a := app(t, ns, "valid", `[{clusterNames: [member-1], jsonPatch: [{op: replace, path: /spec/replicas, value: 5}]}]`)
		if err := c.Create(ctx, a); err != nil {
			t.Fatalf("a valid Application was rejected: %v", err)
		}
	})
	bad := []struct {
		name, overrides, field string
		edit                   func(*flotillav1alpha1.Application)
	}{
		{name: "json patch path does not exist",
			overrides: `[{clusterNames: [member-1], jsonPatch: [{op: replace, path: /spec/template/spec/nothing, value: 1}]}]`,
			field:     "spec.overrides[0].jsonPatch[0]: Invalid value: path /spec/template/spec/nothing does not exist"},
		{name: "add without a value",
			overrides: `[{clusterNames: [member-1], jsonPatch: [{op: add, path: /metadata/annotations}]}]`,
			field:     "spec.overrides[0].jsonPatch[0].value"},
		{name: "resource in another namespace",
			edit: func(a *flotillav1alpha1.Application) {
				a.Spec.Resources[1].Raw = []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"web-config","namespace":"team-b"}}`)
			},
			field: "spec.resources[1].metadata.namespace"},
	}
	for _, tt := range bad {
		t.Run(tt.name+" is rejected at create", func(t *testing.T) {
			a := app(t, ns, "bad", tt.overrides)
			if tt.edit != nil {
				tt.edit(a)
			}
			wantInvalid(t, c.Create(ctx, a), tt.field)
		})
	}

	t.Run("an update that breaks an override is rejected", func(t *testing.T) {
		a := app(t, ns, "updated", `[{clusterNames: [member-1], jsonPatch: [{op: replace, path: /spec/replicas, value: 5}]}]`)
		if err := c.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
		// The hub controller adds its finalizer meanwhile: update the latest version.
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			if err := c.Get(ctx, client.ObjectKeyFromObject(a), a); err != nil {
				return err
			}
			a.Spec.Overrides[0].JSONPatch[0].Path = "/spec/replica"
			return c.Update(ctx, a)
		})
		wantInvalid(t, err, "spec.overrides[0].jsonPatch[0]: Invalid value: path /spec/replica does not exist")
	})

	t.Run("deletes are allowed", func(t *testing.T) {
		a := app(t, ns, "valid", "")
		if err := c.Delete(ctx, a); err != nil {
			t.Fatalf("delete: %v", err)
		}
	})
}
