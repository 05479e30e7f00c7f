package deploy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/internal/devfleet/binaries"
	"flotilla.dev/flotilla/internal/platform/scheme"
)

// root is the repository's root, seen from this package.
const root = "../.."

// systemNamespace is where every namespaced object of an install lives.
const systemNamespace = "flotilla-system"

// chartDir is the Helm chart.
var chartDir = filepath.Join(root, "deploy", "helm", "flotilla")

var (
	// hub is a real API server with Flotilla's CRDs (and minimal cert-manager and Prometheus
	// Operator CRDs); nil when it could not start, for hubErr.
	hub    client.Client
	hubCfg *rest.Config
	hubErr error
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		hubErr = errors.New("-short runs no API server")
		return m.Run()
	}
	dir, err := binaries.DefaultPins.Find()
	if err != nil {
		hubErr = err
		return m.Run()
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: dir,
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases")},
		CRDs:                  thirdPartyCRDs(),
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		println("starting the hub API server:", err.Error())
		return 1
	}
	defer func() { _ = env.Stop() }()
	hubCfg = cfg
	hub, err = client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		println(err.Error())
		return 1
	}
	return m.Run()
}

// needHub skips a test that needs the API server when there is none, saying why.
func needHub(t *testing.T) {
	t.Helper()
	if hub == nil {
		t.Skipf("no hub API server: %v", hubErr)
	}
}

// thirdPartyCRDs are stand-ins for the CRDs of cert-manager (Issuer, Certificate) and the
// Prometheus Operator (ServiceMonitor), which the manifests may use: the real kinds and scopes
// with any content, so a dry run checks the objects' group, version, kind and namespace. Their
// fields are checked in the tests (checkCertificates, checkServiceMonitor).
func thirdPartyCRDs() []*apiextensionsv1.CustomResourceDefinition {
	crd := func(group, kind, plural string) *apiextensionsv1.CustomResourceDefinition {
		preserve := true
		return &apiextensionsv1.CustomResourceDefinition{
			ObjectMeta: metav1.ObjectMeta{Name: plural + "." + group},
			Spec: apiextensionsv1.CustomResourceDefinitionSpec{
				Group: group,
				Names: apiextensionsv1.CustomResourceDefinitionNames{Kind: kind, ListKind: kind + "List", Plural: plural, Singular: strings.ToLower(kind)},
				Scope: apiextensionsv1.NamespaceScoped,
				Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
					Name: "v1", Served: true, Storage: true,
					Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
						Type: "object", XPreserveUnknownFields: &preserve,
					}},
				}},
			},
		}
	}
	return []*apiextensionsv1.CustomResourceDefinition{
		crd("cert-manager.io", "Issuer", "issuers"),
		crd("cert-manager.io", "Certificate", "certificates"),
		crd("monitoring.coreos.com", "ServiceMonitor", "servicemonitors"),
	}
}

// tools are the pinned helm and kustomize binaries.
type tools struct{ helm, kustomize string }

// pinned reads NAME_VERSION from the Makefile, the one place the tools are pinned.
func pinned(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^` + name + `\s*[:?]?=\s*(\S+)\s*$`).FindSubmatch(raw)
	if m == nil {
		t.Fatalf("the Makefile pins no %s", name)
	}
	return string(m[1])
}

// findTools returns the pinned tools, or skips the test when `make deploy-tools` has not built
// them yet (`make test` does).
func findTools(t *testing.T) tools {
	t.Helper()
	tl := tools{
		helm:      filepath.Join(root, "bin", "helm-"+pinned(t, "HELM_VERSION")),
		kustomize: filepath.Join(root, "bin", "kustomize-"+pinned(t, "KUSTOMIZE_VERSION")),
	}
	for _, p := range []string{tl.helm, tl.kustomize} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("%s is missing: run 'make deploy-tools' (make test builds it first) to render the manifests", filepath.Base(p))
		}
	}
	return tl
}

// kubeVersion is the hub's Kubernetes version, for helm's capabilities.
func kubeVersion() string { return strings.TrimPrefix(binaries.DefaultPins.Kubernetes, "v") }

// An install is one way of rendering Flotilla's manifests.
type install struct {
	name string
	// helm holds the `helm template` flags; nil means kustomize dir.
	helm []string
	dir  string
	// console and certManager say what the rendering should contain.
	console, certManager bool
	// caBundle is certs.caBundle for the existing-Secret rendering.
	caBundle string
}

// installs are the renderings every check runs on.
var installs = []install{
	{name: "helm", helm: []string{}, console: true},
	{name: "helm-certmanager-noconsole", helm: []string{"--set", "certManager.enabled=true", "--set", "console.enabled=false", "--set", "metrics.serviceMonitor.enabled=true"}, certManager: true},
	{name: "helm-certmanager", helm: []string{"--set", "certManager.enabled=true"}, console: true, certManager: true},
	{name: "helm-existing-secret", helm: []string{"--set", "certs.existingSecret=flotilla-tls", "--set", "certs.caBundle=" + testCABundle}, console: true, caBundle: testCABundle},
	{name: "kustomize", dir: filepath.Join(root, "config", "default"), console: true, certManager: true},
}

// testCABundle stands for a CA users bring (any base64 text does for rendering).
const testCABundle = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="

var (
	renderMu    sync.Mutex
	renderCache = map[string][]*unstructured.Unstructured{}
)

// render returns in's objects, rendered once per test binary.
func render(t *testing.T, tl tools, in install) []*unstructured.Unstructured {
	t.Helper()
	renderMu.Lock()
	defer renderMu.Unlock()
	if objs, ok := renderCache[in.name]; ok {
		return objs
	}
	var out []byte
	if in.helm != nil {
		args := append([]string{"template", "flotilla", chartDir, "--namespace", systemNamespace, "--kube-version", kubeVersion(), "--include-crds"}, in.helm...)
		out = runTool(t, tl.helm, args...)
	} else {
		out = runTool(t, tl.kustomize, "build", in.dir)
	}
	objs, err := decode(out)
	if err != nil {
		t.Fatalf("%s: %v", in.name, err)
	}
	if len(objs) == 0 {
		t.Fatalf("%s rendered no objects", in.name)
	}
	renderCache[in.name] = objs
	return objs
}

// runTool runs a pinned tool with its own empty configuration folders and returns its output.
func runTool(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := toolCommand(ctx, t, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

// toolCommand is a command running a pinned tool with its own empty configuration folders.
func toolCommand(ctx context.Context, t *testing.T, bin string, args ...string) *exec.Cmd {
	t.Helper()
	home := t.TempDir()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+home, "HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"), "HELM_DATA_HOME="+filepath.Join(home, "data"))
	return cmd
}

// decode splits a YAML stream into objects, skipping empty documents.
func decode(raw []byte) ([]*unstructured.Unstructured, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(raw)))
	var out []*unstructured.Unstructured
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		m := map[string]any{}
		if err := yaml.Unmarshal(doc, &m); err != nil {
			return nil, fmt.Errorf("%w in\n%s", err, doc)
		}
		if len(m) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
}

// decodeFile reads the objects in a YAML file of the repository.
func decodeFile(t *testing.T, path ...string) []*unstructured.Unstructured {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(append([]string{root}, path...)...))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := decode(raw)
	if err != nil {
		t.Fatalf("%s: %v", filepath.Join(path...), err)
	}
	return objs
}

// key names an object: Kind namespace/name.
func key(o *unstructured.Unstructured) string {
	if o.GetNamespace() == "" {
		return o.GetKind() + " " + o.GetName()
	}
	return o.GetKind() + " " + o.GetNamespace() + "/" + o.GetName()
}

// find returns the object of kind and name, or nil.
func find(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	return nil
}

// ofKind returns the objects of kind.
func ofKind(objs []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}

// typed converts o into out, failing on fields out's type does not have (a misspelt field in a
// manifest).
func typed(t *testing.T, o *unstructured.Unstructured, out any) {
	t.Helper()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(o.Object, out, true); err != nil {
		t.Fatalf("%s: %v", key(o), err)
	}
}

// mustGet fetches kind/name from objs as out, failing when it is missing.
func mustGet(t *testing.T, objs []*unstructured.Unstructured, kind, name string, out any) {
	t.Helper()
	o := find(objs, kind, name)
	if o == nil {
		t.Fatalf("no %s %s; the rendering has: %s", kind, name, strings.Join(keys(objs), ", "))
	}
	typed(t, o, out)
}

func keys(objs []*unstructured.Unstructured) []string {
	out := make([]string, 0, len(objs))
	for _, o := range objs {
		out = append(out, key(o))
	}
	sort.Strings(out)
	return out
}
