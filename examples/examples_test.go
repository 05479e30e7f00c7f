package examples

import (
	"os"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/federation/render"
	tuningadmission "flotilla.dev/flotilla/internal/tuning/admission"
)

func TestSampleApplicationRenders(t *testing.T) {
	app, err := SampleApplication()
	if err != nil {
		t.Fatal(err)
	}
	if errs := render.Validate(app); len(errs) != 0 {
		t.Fatalf("the sample does not validate: %v", errs)
	}
	if app.Spec.Placement.ReplicaScheduling.Division != flotillav1alpha1.ReplicaDivisionAvailableCapacity || len(app.Spec.Overrides) != 1 {
		t.Fatalf("the sample should be Divided by AvailableCapacity with one override: %+v", app.Spec)
	}
	objs, err := render.Render(render.Input{
		Application: app.Name, Namespace: app.Namespace, Revision: "web-1", Resources: app.Spec.Resources, Overrides: app.Spec.Overrides,
		Cluster:  render.Cluster{Name: "member-2", Labels: map[string]string{flotillav1alpha1.LabelRegion: "eu-west"}},
		Replicas: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	w := objs[len(objs)-1]
	containers, _, _ := unstructured.NestedSlice(w.Object, "spec", "template", "spec", "containers")
	if img := containers[0].(map[string]any)["image"]; img != "registry.eu.example.com/web:v1" {
		t.Fatalf("eu-west image = %v, want the mirror", img)
	}
	if replicas, _, _ := unstructured.NestedInt64(w.Object, "spec", "replicas"); replicas != 2 {
		t.Fatalf("replicas = %d, want 2", replicas)
	}
}

func TestSampleApplicationIsACopy(t *testing.T) {
	a, _ := SampleApplication()
	a.Name = "changed"
	b, _ := SampleApplication()
	if b.Name != "web" {
		t.Fatal("SampleApplication returned shared state")
	}
}

func TestRolloutExampleValidates(t *testing.T) {
	raw, err := os.ReadFile("rollout-app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	app := &flotillav1alpha1.Application{}
	if err := yaml.UnmarshalStrict(raw, app); err != nil {
		t.Fatalf("examples/rollout-app.yaml: %v", err)
	}
	app.Namespace = SampleNamespace
	if errs := render.Validate(app); len(errs) != 0 {
		t.Fatalf("the rollout example does not validate: %v", errs)
	}
	if r := app.Spec.Rollout; r == nil || len(r.Waves) != 2 || len(r.Batches) != 3 || r.Analysis == nil {
		t.Fatalf("the rollout example should have two waves, three batches and an analysis: %+v", r)
	}
}

func TestResourcePolicyExampleFitsTheSample(t *testing.T) {
	raw, err := os.ReadFile("resource-policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := &flotillav1alpha1.ResourcePolicy{}
	if err := yaml.UnmarshalStrict(raw, p); err != nil {
		t.Fatalf("examples/resource-policy.yaml: %v", err)
	}
	app, err := SampleApplication()
	if err != nil {
		t.Fatal(err)
	}
	if p.Spec.TargetRef == nil || p.Spec.TargetRef.Name != app.Name || p.Namespace != app.Namespace {
		t.Fatalf("the policy should target the sample application %s/%s: %+v", app.Namespace, app.Name, p.Spec.TargetRef)
	}
	if errs := append(tuningadmission.Errors(p), tuningadmission.TargetErrors(p, app)...); len(errs) != 0 {
		t.Fatalf("the ResourcePolicy example is refused: %v", errs)
	}
}
