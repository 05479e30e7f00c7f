package admission

import (
	"context"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

const deployment = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
 "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
 "spec":{"containers":[{"name":"web","image":"registry.example.com/web:v1"}]}}}}`

const service = `{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"ports":[{"port":80}]}}`

func manifest(s string) flotillav1alpha1.Manifest {
	return flotillav1alpha1.Manifest{RawExtension: runtime.RawExtension{Raw: []byte(s)}}
}

// application returns a valid Application with the given overrides.
func application(overrides ...flotillav1alpha1.ClusterOverride) *flotillav1alpha1.Application {
	return &flotillav1alpha1.Application{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "team-a"},
		Spec: flotillav1alpha1.ApplicationSpec{
			Resources: []flotillav1alpha1.Manifest{manifest(deployment), manifest(service)},
			Overrides: overrides,
		},
	}
}

func patch(op flotillav1alpha1.JSONPatchOp, path, value string) flotillav1alpha1.ClusterOverride {
	o := flotillav1alpha1.JSONPatchOperation{Op: op, Path: path}
	if value != "" {
		o.Value = &apiextensionsv1.JSON{Raw: []byte(value)}
	}
	return flotillav1alpha1.ClusterOverride{ClusterNames: []string{"member-1"}, JSONPatch: []flotillav1alpha1.JSONPatchOperation{o}}
}

func TestValidate(t *testing.T) {
	otherNamespace := application()
	otherNamespace.Spec.Resources[1] = manifest(`{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"team-b"}}`)
	noWorkload := application()
	noWorkload.Spec.Resources = noWorkload.Spec.Resources[1:]
	tests := []struct {
		name string
		app  *flotillav1alpha1.Application
		// want are substrings of the error; none means valid.
		want []string
	}{
		{name: "valid without overrides", app: application()},
		{name: "valid patch", app: application(patch("replace", "/spec/template/spec/containers/0/image", `"web:v2"`))},
		{name: "valid add of a new key", app: application(patch("add", "/metadata/annotations", `{"a":"b"}`))},
		{name: "patch path does not exist", app: application(patch("replace", "/spec/nothing/here", `1`)),
			want: []string{"spec.overrides[0].jsonPatch[0]", "/spec/nothing/here"}},
		{name: "remove of a missing path", app: application(patch("remove", "/spec/template/spec/containers/3", "")),
			want: []string{"spec.overrides[0].jsonPatch[0]"}},
		{name: "add without a value", app: application(patch("add", "/metadata/labels", "")),
			want: []string{"spec.overrides[0].jsonPatch[0].value"}},
		{name: "resource in another namespace", app: otherNamespace,
			want: []string{"spec.resources[1].metadata.namespace", "team-b"}},
		{name: "no workload", app: noWorkload, want: []string{"spec.resources"}},
		{name: "container that does not exist", app: application(flotillav1alpha1.ClusterOverride{
			ClusterNames: []string{"member-1"},
			Image:        &flotillav1alpha1.ImageOverride{Container: "sidecar", Tag: "v2"},
		}), want: []string{"spec.overrides[0].image", "sidecar"}},
		{name: "second override is the bad one", app: application(
			patch("replace", "/spec/replicas", `3`), patch("replace", "/spec/missing", `3`)),
			want: []string{"spec.overrides[1].jsonPatch[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ApplicationValidator{}.ValidateCreate(context.Background(), tt.app)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if !apierrors.IsInvalid(err) {
				t.Fatalf("want an Invalid API error, got %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestNeedsValidation(t *testing.T) {
	bad := application(patch("replace", "/spec/missing", `3`))
	relabeled := bad.DeepCopy()
	relabeled.Labels = map[string]string{"team": "a"}
	deleting := bad.DeepCopy()
	deleting.DeletionTimestamp = &metav1.Time{}
	deleting.Spec.Overrides = nil
	broken := application()
	broken.Spec.Overrides = bad.Spec.Overrides
	tests := []struct {
		name     string
		old, app *flotillav1alpha1.Application
		want     bool
	}{
		{name: "metadata only (finalizers, labels)", old: bad, app: relabeled, want: false},
		{name: "being deleted", old: bad, app: deleting, want: false},
		{name: "spec changed", old: application(), app: broken, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NeedsValidation(tt.old, tt.app); got != tt.want {
				t.Errorf("NeedsValidation = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidateUpdateAndDelete(t *testing.T) {
	ctx := context.Background()
	bad := application(patch("replace", "/spec/missing", `3`))
	if _, err := (ApplicationValidator{}).ValidateUpdate(ctx, application(), bad); !apierrors.IsInvalid(err) {
		t.Errorf("an update that breaks an override: want Invalid, got %v", err)
	}
	relabeled := bad.DeepCopy()
	relabeled.Finalizers = nil
	if _, err := (ApplicationValidator{}).ValidateUpdate(ctx, bad, relabeled); err != nil {
		t.Errorf("an update that leaves a stored bad spec alone must pass, got %v", err)
	}
	if _, err := (ApplicationValidator{}).ValidateDelete(ctx, bad); err != nil {
		t.Errorf("deletes are always allowed, got %v", err)
	}
}
