package render

import (
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// FuzzRender feeds random overrides and patches: rendering never panics, a successful render
// always carries Flotilla's labels, and the workload's replicas equal the scheduler's count
// unless an override sets them.
func FuzzRender(f *testing.F) {
	f.Add(uint8(3), "add", "/spec/template/metadata/labels/x", `"y"`, "", "", "r.io", "v2", "web", int16(-1))
	f.Add(uint8(0), "replace", "/spec/replicas", `7`, "", "", "", "", "", int16(2))
	f.Add(uint8(1), "remove", "/data", ``, "ConfigMap", "web-config", "", "", "x", int16(-1))
	f.Add(uint8(9), "replace", "/metadata", `{}`, "Service", "", "", "sha256:1", "", int16(0))
	f.Fuzz(func(t *testing.T, replicas uint8, op, path, value, kind, name, registry, tag, envName string, overrideReplicas int16) {
		o := flotillav1alpha1.ClusterOverride{
			JSONPatch: []flotillav1alpha1.JSONPatchOperation{{Op: flotillav1alpha1.JSONPatchOp(op), Path: path, Kind: kind, Name: name}},
			Env:       []flotillav1alpha1.ContainerEnvOverride{{Env: []corev1.EnvVar{{Name: envName, Value: "v"}}}},
		}
		if value != "" {
			o.JSONPatch[0].Value = jsonValue(value)
		}
		if registry != "" || tag != "" {
			o.Image = &flotillav1alpha1.ImageOverride{Registry: registry, Tag: tag}
		}
		if overrideReplicas >= 0 {
			o.Replicas = ptr(int32(overrideReplicas))
		}
		in := input(t, o)
		in.Replicas = int32(replicas)
		objs, err := Render(in)
		if err != nil {
			var rerr *Error
			if !errors.As(err, &rerr) {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			return
		}
		checkRendered(t, objs, in, o, path)
	})
}

func checkRendered(t *testing.T, objs []*unstructured.Unstructured, in Input, o flotillav1alpha1.ClusterOverride, path string) {
	if len(objs) != len(in.Resources) {
		t.Fatalf("rendered %d objects from %d resources", len(objs), len(in.Resources))
	}
	for _, obj := range objs {
		l := obj.GetLabels()
		if l[flotillav1alpha1.LabelManagedBy] != flotillav1alpha1.ManagedByFlotilla || l[flotillav1alpha1.LabelApplication] != in.Application {
			t.Fatalf("%s %s lacks Flotilla's labels: %v", obj.GetKind(), obj.GetName(), l)
		}
	}
	w := objs[len(objs)-1]
	patchesReplicas := (o.JSONPatch[0].Kind == "" && o.JSONPatch[0].Name == "") || o.JSONPatch[0].Kind == "Deployment"
	if patchesReplicas && len(path) >= 5 && path[:5] == "/spec" {
		return // a patch may set replicas itself
	}
	want := int64(in.Replicas)
	if o.Replicas != nil {
		want = int64(*o.Replicas)
	}
	got, ok, err := unstructured.NestedInt64(w.Object, "spec", "replicas")
	if !ok || err != nil || got != want {
		t.Fatalf("replicas = %d (%v, %v), want %d", got, ok, err, want)
	}
}
