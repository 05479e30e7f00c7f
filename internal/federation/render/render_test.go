package render

import (
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

func manifest(t testing.TB, s string) flotillav1alpha1.Manifest {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test manifest: %v", err)
	}
	return flotillav1alpha1.Manifest{RawExtension: runtime.RawExtension{Raw: []byte(s)}}
}

const deployment = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
 "spec":{"replicas":6,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
 "spec":{"initContainers":[{"name":"init","image":"registry.example.com/init:v1"}],
 "containers":[{"name":"web","image":"registry.example.com/web:v1","env":[{"name":"MODE","value":"a"}]},
  {"name":"sidecar","image":"busybox"}]}}}}`

func sampleResources(t testing.TB) []flotillav1alpha1.Manifest {
	return []flotillav1alpha1.Manifest{
		manifest(t, deployment),
		manifest(t, `{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"ports":[{"port":80}]}}`),
		manifest(t, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"web-config","resourceVersion":"7"},"data":{"k":"v"}}`),
		manifest(t, `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"web"}}`),
	}
}

func input(t testing.TB, overrides ...flotillav1alpha1.ClusterOverride) Input {
	return Input{
		Application: "shop", Namespace: "team-a", Revision: "shop-0123456789",
		Resources: sampleResources(t), Overrides: overrides,
		Cluster:  Cluster{Name: "member-1", Labels: map[string]string{"region": "eu"}},
		Replicas: 3,
	}
}

func jsonValue(s string) *apiextensionsv1.JSON { return &apiextensionsv1.JSON{Raw: []byte(s)} }

func ptr[T any](v T) *T { return &v }

func workloadOf(t *testing.T, objs []*unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	last := objs[len(objs)-1]
	if last.GetKind() != "Deployment" {
		t.Fatalf("the workload must come last, got %s", last.GetKind())
	}
	return last
}

func containerField(t *testing.T, w *unstructured.Unstructured, list string, i int, path ...string) any {
	t.Helper()
	cs, _, _ := unstructured.NestedSlice(w.Object, "spec", "template", "spec", list)
	v, _, _ := unstructured.NestedFieldCopy(cs[i].(map[string]any), path...)
	return v
}

func TestRenderDefaultsOrderAndStamps(t *testing.T) {
	objs, err := Render(input(t))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, o.GetKind())
		if o.GetNamespace() != "team-a" {
			t.Errorf("%s namespace = %q, want the Application's", o.GetKind(), o.GetNamespace())
		}
		l := o.GetLabels()
		if l[flotillav1alpha1.LabelManagedBy] != "flotilla" || l[flotillav1alpha1.LabelApplication] != "shop" || l[flotillav1alpha1.LabelApplicationNamespace] != "team-a" {
			t.Errorf("%s labels = %v", o.GetKind(), l)
		}
		if o.GetAnnotations()[flotillav1alpha1.AnnotationRevision] != "shop-0123456789" {
			t.Errorf("%s annotations = %v", o.GetKind(), o.GetAnnotations())
		}
		if o.GetResourceVersion() != "" {
			t.Errorf("%s keeps resourceVersion %q", o.GetKind(), o.GetResourceVersion())
		}
	}
	if got := strings.Join(kinds, ","); got != "ServiceAccount,ConfigMap,Service,Deployment" {
		t.Errorf("order = %s", got)
	}
	if r, _, _ := unstructured.NestedInt64(workloadOf(t, objs).Object, "spec", "replicas"); r != 3 {
		t.Errorf("replicas = %d, want the scheduler's 3", r)
	}
}

func TestRenderOverrides(t *testing.T) {
	cases := []struct {
		name      string
		overrides []flotillav1alpha1.ClusterOverride
		check     func(t *testing.T, w *unstructured.Unstructured, objs []*unstructured.Unstructured)
	}{{
		name:      "registry of every container and init container",
		overrides: []flotillav1alpha1.ClusterOverride{{Image: &flotillav1alpha1.ImageOverride{Registry: "mirror.eu"}}},
		check: func(t *testing.T, w *unstructured.Unstructured, _ []*unstructured.Unstructured) {
			want := map[string]string{"containers/0": "mirror.eu/web:v1", "containers/1": "mirror.eu/busybox", "initContainers/0": "mirror.eu/init:v1"}
			for k, v := range want {
				list, idx, _ := strings.Cut(k, "/")
				if got := containerField(t, w, list, int(idx[0]-'0'), "image"); got != v {
					t.Errorf("%s image = %v, want %s", k, got, v)
				}
			}
		},
	}, {
		name:      "tag of one container",
		overrides: []flotillav1alpha1.ClusterOverride{{Image: &flotillav1alpha1.ImageOverride{Container: "web", Tag: "v2"}}},
		check: func(t *testing.T, w *unstructured.Unstructured, _ []*unstructured.Unstructured) {
			if got := containerField(t, w, "containers", 0, "image"); got != "registry.example.com/web:v2" {
				t.Errorf("image = %v", got)
			}
			if got := containerField(t, w, "containers", 1, "image"); got != "busybox" {
				t.Errorf("sidecar image changed to %v", got)
			}
		},
	}, {
		name: "replicas replace the scheduler's; later overrides win",
		overrides: []flotillav1alpha1.ClusterOverride{
			{Replicas: ptr(int32(5))},
			{ClusterNames: []string{"member-1"}, Replicas: ptr(int32(1))},
			{ClusterNames: []string{"member-2"}, Replicas: ptr(int32(9))},
		},
		check: func(t *testing.T, w *unstructured.Unstructured, _ []*unstructured.Unstructured) {
			if r, _, _ := unstructured.NestedInt64(w.Object, "spec", "replicas"); r != 1 {
				t.Errorf("replicas = %d, want 1", r)
			}
		},
	}, {
		name: "env replaces by name and appends",
		overrides: []flotillav1alpha1.ClusterOverride{{Env: []flotillav1alpha1.ContainerEnvOverride{{Container: "web",
			Env: []corev1.EnvVar{{Name: "MODE", Value: "b"}, {Name: "REGION", Value: "eu"}}}}}},
		check: func(t *testing.T, w *unstructured.Unstructured, _ []*unstructured.Unstructured) {
			env := containerField(t, w, "containers", 0, "env").([]any)
			if len(env) != 2 || env[0].(map[string]any)["value"] != "b" || env[1].(map[string]any)["name"] != "REGION" {
				t.Errorf("env = %v", env)
			}
		},
	}, {
		name: "resources",
		overrides: []flotillav1alpha1.ClusterOverride{{Resources: []flotillav1alpha1.ContainerResourcesOverride{{Container: "sidecar",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m")}}}}}},
		check: func(t *testing.T, w *unstructured.Unstructured, _ []*unstructured.Unstructured) {
			if got := containerField(t, w, "containers", 1, "resources", "requests", "cpu"); got != "250m" {
				t.Errorf("cpu request = %v", got)
			}
		},
	}, {
		name: "json patch defaults to the workload",
		overrides: []flotillav1alpha1.ClusterOverride{{JSONPatch: []flotillav1alpha1.JSONPatchOperation{
			{Op: "add", Path: "/spec/template/metadata/labels/tier", Value: jsonValue(`"front"`)}}}},
		check: func(t *testing.T, w *unstructured.Unstructured, _ []*unstructured.Unstructured) {
			if v, _, _ := unstructured.NestedString(w.Object, "spec", "template", "metadata", "labels", "tier"); v != "front" {
				t.Errorf("tier = %q", v)
			}
		},
	}, {
		name: "json patch on a ConfigMap by kind and name",
		overrides: []flotillav1alpha1.ClusterOverride{{JSONPatch: []flotillav1alpha1.JSONPatchOperation{
			{Kind: "ConfigMap", Name: "web-config", Op: "replace", Path: "/data/k", Value: jsonValue(`"eu"`)}}}},
		check: func(t *testing.T, _ *unstructured.Unstructured, objs []*unstructured.Unstructured) {
			if v, _, _ := unstructured.NestedString(objs[1].Object, "data", "k"); v != "eu" {
				t.Errorf("data.k = %q", v)
			}
		},
	}, {
		name: "selector not matching leaves the manifests alone",
		overrides: []flotillav1alpha1.ClusterOverride{{ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"region": "us"}},
			Replicas: ptr(int32(0))}},
		check: func(t *testing.T, w *unstructured.Unstructured, _ []*unstructured.Unstructured) {
			if r, _, _ := unstructured.NestedInt64(w.Object, "spec", "replicas"); r != 3 {
				t.Errorf("replicas = %d, want 3", r)
			}
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := Render(input(t, tc.overrides...))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, workloadOf(t, objs), objs)
		})
	}
}

func TestRenderErrorsNameTheField(t *testing.T) {
	cases := []struct {
		name      string
		resources []string
		overrides []flotillav1alpha1.ClusterOverride
		want      string
	}{{
		name: "patch of a missing path",
		overrides: []flotillav1alpha1.ClusterOverride{{}, {}, {JSONPatch: []flotillav1alpha1.JSONPatchOperation{
			{Op: "replace", Path: "/spec/foo", Value: jsonValue(`1`)}}}},
		want: "spec.overrides[2].jsonPatch[0]: path /spec/foo does not exist in Deployment web",
	}, {
		name: "patch of an unknown resource",
		overrides: []flotillav1alpha1.ClusterOverride{{JSONPatch: []flotillav1alpha1.JSONPatchOperation{
			{Kind: "Secret", Name: "nope", Op: "remove", Path: "/data"}}}},
		want: `spec.overrides[0].jsonPatch[0]: no resource with kind "Secret" and name "nope" in spec.resources`,
	}, {
		name: "patch renaming the workload",
		overrides: []flotillav1alpha1.ClusterOverride{{JSONPatch: []flotillav1alpha1.JSONPatchOperation{
			{Op: "replace", Path: "/metadata/name", Value: jsonValue(`"other"`)}}}},
		want: "spec.overrides[0].jsonPatch[0]: path /metadata/name changes the identity",
	}, {
		name:      "image of an unknown container",
		overrides: []flotillav1alpha1.ClusterOverride{{Image: &flotillav1alpha1.ImageOverride{Container: "db", Tag: "v2"}}},
		want:      `spec.overrides[0].image.container: no container "db" in Deployment web`,
	}, {
		name:      "no workload",
		resources: []string{`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}`},
		want:      "spec.resources: no workload",
	}, {
		name:      "foreign namespace",
		resources: []string{`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"w","namespace":"other"},"spec":{}}`},
		want:      `spec.resources[0].metadata.namespace: "other" differs`,
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := input(t, tc.overrides...)
			if tc.resources != nil {
				in.Resources = nil
				for _, r := range tc.resources {
					in.Resources = append(in.Resources, manifest(t, r))
				}
			}
			_, err := Render(in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	app := &flotillav1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: "team-a"}}
	app.Spec.Resources = sampleResources(t)
	app.Spec.Overrides = []flotillav1alpha1.ClusterOverride{
		{ClusterNames: []string{"member-1"}, Image: &flotillav1alpha1.ImageOverride{Tag: "v2"}},
		{ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"region": "us"}},
			JSONPatch: []flotillav1alpha1.JSONPatchOperation{{Op: "remove", Path: "/spec/nothing"}}},
	}
	errs := Validate(app)
	if len(errs) != 1 || errs[0].Field != "spec.overrides[1].jsonPatch[0]" {
		t.Fatalf("errors = %v, want one naming spec.overrides[1].jsonPatch[0]", errs)
	}
	app.Spec.Overrides = app.Spec.Overrides[:1]
	if errs := Validate(app); len(errs) != 0 {
		t.Fatalf("valid spec reported %v", errs)
	}
}

func TestRewriteImage(t *testing.T) {
	cases := []struct{ image, registry, tag, want string }{
		{"nginx", "mirror.io", "", "mirror.io/nginx"},
		{"library/nginx:1.27", "mirror.io", "", "mirror.io/library/nginx:1.27"},
		{"registry.example.com/web:v1", "", "v2", "registry.example.com/web:v2"},
		{"localhost:5000/web", "r.io", "v3", "r.io/web:v3"},
		{"localhost/web:v1", "r.io", "", "r.io/web:v1"},
		{"r.io/web@sha256:aaa", "", "v1", "r.io/web:v1"},
		{"r.io/web:v1", "", "sha256:bbb", "r.io/web@sha256:bbb"},
	}
	for _, c := range cases {
		if got := RewriteImage(c.image, c.registry, c.tag); got != c.want {
			t.Errorf("RewriteImage(%q, %q, %q) = %q, want %q", c.image, c.registry, c.tag, got, c.want)
		}
	}
}
