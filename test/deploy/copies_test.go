package deploy

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/internal/console"
)

// TestChartCopiesEqualGeneratedFiles: the chart holds copies of controller-gen's output (Helm
// installs CRDs only from the chart's crds/, and templates read files/); `make chart-crds` makes
// them, and this fails when they drift.
func TestChartCopiesEqualGeneratedFiles(t *testing.T) {
	bases := yamlFiles(t, filepath.Join(root, "config", "crd", "bases"))
	copies := yamlFiles(t, filepath.Join(chartDir, "crds"))
	if !reflect.DeepEqual(names(bases), names(copies)) {
		t.Errorf("deploy/helm/flotilla/crds holds %v, config/crd/bases holds %v: run 'make chart-crds'", names(copies), names(bases))
	}
	for name, raw := range bases {
		if c, ok := copies[name]; ok && !bytes.Equal(raw, c) {
			t.Errorf("deploy/helm/flotilla/crds/%s differs from config/crd/bases/%s: run 'make chart-crds'", name, name)
		}
	}
	for src, dst := range map[string]string{
		"config/rbac/role.yaml":         "files/role.yaml",
		"config/webhook/manifests.yaml": "files/webhook-manifests.yaml",
	} {
		want, err := os.ReadFile(filepath.Join(root, src))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(chartDir, dst))
		if err != nil {
			t.Fatalf("%v: run 'make chart-crds'", err)
		}
		if !bytes.Equal(want, got) {
			t.Errorf("deploy/helm/flotilla/%s differs from %s: run 'make chart-crds'", dst, src)
		}
	}
}

// TestKustomizeListsEveryCRD: kustomize does not glob, so config/crd/kustomization.yaml names
// each generated CRD; a new one must be added there.
func TestKustomizeListsEveryCRD(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, "config", "crd", "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(raw, &k); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, n := range names(yamlFiles(t, filepath.Join(root, "config", "crd", "bases"))) {
		want = append(want, "bases/"+n)
	}
	sort.Strings(k.Resources)
	if !reflect.DeepEqual(k.Resources, want) {
		t.Errorf("config/crd/kustomization.yaml lists %v, config/crd/bases holds %v", k.Resources, want)
	}
}

// TestConsoleRolesEqualGo: the console's roles for people and audit writers are defined in Go
// (console.ClusterRoles()); the YAML shipped in config/console must say the same.
func TestConsoleRolesEqualGo(t *testing.T) {
	checkConsoleRoles(t, "config/console/roles.yaml", decodeFile(t, "config", "console", "roles.yaml"))
}

// checkConsoleRoles fails unless objs hold console.ClusterRoles() with the same rules.
func checkConsoleRoles(t *testing.T, where string, objs []*unstructured.Unstructured) {
	t.Helper()
	for _, want := range console.ClusterRoles() {
		o := find(objs, "ClusterRole", want.Name)
		if o == nil {
			t.Errorf("%s has no ClusterRole %s (internal/console/rbac.go)", where, want.Name)
			continue
		}
		var got rbacv1.ClusterRole
		typed(t, o, &got)
		if !reflect.DeepEqual(got.Rules, want.Rules) {
			wantYAML, _ := yaml.Marshal(want.Rules)
			gotYAML, _ := yaml.Marshal(got.Rules)
			t.Errorf("%s: ClusterRole %s differs from console.ClusterRoles() (internal/console/rbac.go); want rules:\n%s\ngot:\n%s", where, want.Name, wantYAML, gotYAML)
		}
	}
}

// yamlFiles reads the *.yaml files of dir by name.
func yamlFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = raw
	}
	if len(out) == 0 {
		t.Fatalf("no YAML files in %s", dir)
	}
	return out
}

func names(files map[string][]byte) []string {
	out := make([]string, 0, len(files))
	for n := range files {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
