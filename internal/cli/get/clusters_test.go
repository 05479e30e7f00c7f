package get

import (
	"bytes"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/printers"
)

func TestClustersTable(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	probe := metav1.NewTime(now.Add(-4 * time.Second))
	ready := &flotillav1alpha1.MemberCluster{
		ObjectMeta: metav1.ObjectMeta{Name: "eu-west-1", CreationTimestamp: metav1.NewTime(now.Add(-3 * time.Hour))},
		Spec:       flotillav1alpha1.MemberClusterSpec{Region: "eu", Zone: "eu-west-1a"},
		Status: flotillav1alpha1.MemberClusterStatus{
			KubernetesVersion: "v1.35.4",
			Nodes:             flotillav1alpha1.NodeCount{Total: 3, Ready: 2},
			LastProbeTime:     &probe,
			Conditions:        []metav1.Condition{{Type: flotillav1alpha1.ConditionReady, Status: metav1.ConditionTrue}},
			Resources: flotillav1alpha1.ResourceSummary{Available: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("2500m"), corev1.ResourceMemory: resource.MustParse("6Gi"),
			}},
		},
	}
	fresh := &flotillav1alpha1.MemberCluster{ObjectMeta: metav1.ObjectMeta{Name: "new", CreationTimestamp: metav1.NewTime(now.Add(-time.Second))}}
	objs := []client.Object{ready, fresh}
	tests := []struct {
		format printers.Format
		want   string
	}{
		{printers.Table, `NAME        READY     VERSION   NODES   REGION   AGE
eu-west-1   True      v1.35.4   2/3     eu       3h
new         Unknown   <none>    0/0     <none>   1s
`},
		{printers.Wide, `NAME        READY     VERSION   NODES   REGION   AGE   ZONE         CPU      MEMORY   LAST-PROBE
eu-west-1   True      v1.35.4   2/3     eu       3h    eu-west-1a   2500m    6Gi      4s ago
new         Unknown   <none>    0/0     <none>   1s    <none>       <none>   <none>   <none>
`},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		if err := clusters.print(&out, tt.format, objs, false, false, now); err != nil {
			t.Fatal(err)
		}
		if out.String() != tt.want {
			t.Errorf("-o %q:\n%s\nwant\n%s", tt.format, out.String(), tt.want)
		}
	}
}

func TestClustersEmpty(t *testing.T) {
	var out bytes.Buffer
	if err := clusters.print(&out, printers.Table, nil, false, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out.Bytes(), []byte("flotilla join")) {
		t.Errorf("an empty fleet should say how to join: %q", out.String())
	}
}
