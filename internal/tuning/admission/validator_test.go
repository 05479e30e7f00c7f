package admission

import (
	"encoding/json"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

func app(t *testing.T, containers ...corev1.Container) *flotillav1alpha1.Application {
	t.Helper()
	dep := &appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}, ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: containers}}}}
	raw, err := json.Marshal(dep)
	if err != nil {
		t.Fatal(err)
	}
	return &flotillav1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: flotillav1alpha1.ApplicationSpec{Resources: []flotillav1alpha1.Manifest{{RawExtension: runtime.RawExtension{Raw: raw}}}}}
}

func target(r flotillav1alpha1.TunedResource, f flotillav1alpha1.TunedField) flotillav1alpha1.ResourceTarget {
	return flotillav1alpha1.ResourceTarget{Resource: r, Field: f, Percentile: 90}
}

func TestBadBoundsAndBatchAreRefusedNamingTheField(t *testing.T) {
	p := &flotillav1alpha1.ResourcePolicy{Spec: flotillav1alpha1.ResourcePolicySpec{
		Containers: []flotillav1alpha1.ContainerTuning{
			{Name: "ok", Targets: []flotillav1alpha1.ResourceTarget{target("cpu", "request")},
				MinAllowed: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}, MaxAllowed: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}},
			{Name: "inverted", Targets: []flotillav1alpha1.ResourceTarget{target("memory", "limit")},
				MinAllowed: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("2Gi")}, MaxAllowed: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}},
			{Name: "gpu", Targets: []flotillav1alpha1.ResourceTarget{{Resource: "cpu", Field: "request", Percentile: 101}},
				MaxAllowed: corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("1"), corev1.ResourceCPU: resource.MustParse("0")}},
		},
		Update: flotillav1alpha1.TuningUpdate{BatchSize: ptr.To(intstr.FromString("0%"))},
	}}
	errs := Errors(p).ToAggregate()
	if errs == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		"spec.containers[1].minAllowed.memory", "must not exceed spec.containers[1].maxAllowed.memory (1Gi)",
		"spec.containers[2].maxAllowed.nvidia.com/gpu", "spec.containers[2].maxAllowed.cpu", "must be positive",
		"spec.containers[2].targets[0].percentile", "spec.update.batchSize",
	} {
		if !strings.Contains(errs.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, errs)
		}
	}
	if strings.Contains(errs.Error(), "spec.containers[0]") {
		t.Errorf("the valid entry was refused: %v", errs)
	}
}

func TestTargetsForValuesTheContainerDoesNotSetAreRefused(t *testing.T) {
	a := app(t,
		corev1.Container{Name: "web", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")}}},
		corev1.Container{Name: "proxy", Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")}}},
	)
	p := &flotillav1alpha1.ResourcePolicy{Spec: flotillav1alpha1.ResourcePolicySpec{Containers: []flotillav1alpha1.ContainerTuning{
		{Name: "web", Targets: []flotillav1alpha1.ResourceTarget{target("cpu", "request"), target("memory", "limit")}},
		{Name: "*", Targets: []flotillav1alpha1.ResourceTarget{target("memory", "limit")}},
		{Name: "db", Targets: []flotillav1alpha1.ResourceTarget{target("cpu", "request")}},
	}}}
	errs := TargetErrors(p, a).ToAggregate()
	if errs == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{`spec.containers[0].targets[1]`, `container "web" of Application web sets no memory limit`, `spec.containers[2].name`, `no container "db"`} {
		if !strings.Contains(errs.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, errs)
		}
	}
	if strings.Contains(errs.Error(), "spec.containers[1]") || strings.Contains(errs.Error(), "spec.containers[0].targets[0]") {
		t.Errorf("a valid target was refused (the wildcard covers only proxy, which sets a memory limit): %v", errs)
	}
}
