package capacity

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestNodeFromCore(t *testing.T) {
	taints := []corev1.Taint{{Key: "k", Value: "v", Effect: corev1.TaintEffectNoSchedule}}
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{"zone": "a"}},
		Spec:       corev1.NodeSpec{Unschedulable: true, Taints: taints},
		Status: corev1.NodeStatus{
			Allocatable: list("3900m", "15Gi", "110"),
			Conditions: []corev1.NodeCondition{
				{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse},
				{Type: corev1.NodeReady, Status: corev1.ConditionTrue},
			},
		},
	}
	got := NodeFromCore(n, corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("1Gi")}, 7)
	want := Node{
		Name: "n1", Labels: map[string]string{"zone": "a"}, Taints: taints, Ready: true, Unschedulable: true,
		Allocatable: Resources{MilliCPU: 3900, Memory: 15 * gi, Pods: 110},
		Requested:   Resources{MilliCPU: 1000, Memory: gi, Pods: 7},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("NodeFromCore =\n%+v\nwant\n%+v", got, want)
	}

	n.Status.Conditions[1].Status = corev1.ConditionUnknown
	if NodeFromCore(n, nil, 0).Ready {
		t.Error("a node whose Ready condition is Unknown must not be Ready")
	}
	n.Status.Conditions = nil
	if NodeFromCore(n, nil, 0).Ready {
		t.Error("a node without a Ready condition must not be Ready")
	}
}

func TestPodNeedsFromTemplate(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	req := func(cpu, mem string) corev1.ResourceRequirements {
		return corev1.ResourceRequirements{Requests: corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}}
	}
	tests := []struct {
		name string
		spec corev1.PodSpec
		want Resources
	}{
		{"sum of containers", corev1.PodSpec{Containers: []corev1.Container{
			{Resources: req("250m", "256Mi")}, {Resources: req("750m", "768Mi")}}}, Resources{MilliCPU: 1000, Memory: gi}},
		{"no requests", corev1.PodSpec{Containers: []corev1.Container{{}}}, Resources{}},
		{"limit stands in for a missing request", corev1.PodSpec{Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{
			Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}}}}}, Resources{MilliCPU: 2000}},
		{"big init container wins", corev1.PodSpec{
			InitContainers: []corev1.Container{{Resources: req("4", "128Mi")}},
			Containers:     []corev1.Container{{Resources: req("1", "1Gi")}}}, Resources{MilliCPU: 4000, Memory: gi}},
		{"sidecar adds to containers", corev1.PodSpec{
			InitContainers: []corev1.Container{{RestartPolicy: &always, Resources: req("100m", "64Mi")}},
			Containers:     []corev1.Container{{Resources: req("1", "1Gi")}}}, Resources{MilliCPU: 1100, Memory: gi + 64<<20}},
		{"init after sidecar counts the sidecar", corev1.PodSpec{
			InitContainers: []corev1.Container{
				{RestartPolicy: &always, Resources: req("500m", "64Mi")},
				{Resources: req("2", "64Mi")}},
			Containers: []corev1.Container{{Resources: req("1", "1Gi")}}}, Resources{MilliCPU: 2500, Memory: gi + 64<<20}},
		{"overhead added", corev1.PodSpec{
			Overhead:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")},
			Containers: []corev1.Container{{Resources: req("1", "1Gi")}}}, Resources{MilliCPU: 1100, Memory: gi}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.spec.NodeSelector = map[string]string{"disk": "ssd"}
			tt.spec.Tolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists}}
			got := PodNeedsFromTemplate(&corev1.PodTemplateSpec{Spec: tt.spec})
			if got.Requests != tt.want {
				t.Errorf("requests = %+v, want %+v", got.Requests, tt.want)
			}
			if got.NodeSelector["disk"] != "ssd" || len(got.Tolerations) != 1 {
				t.Errorf("nodeSelector and tolerations not carried over: %+v", got)
			}
		})
	}
}
