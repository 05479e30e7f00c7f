package render

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// BenchmarkRender renders the sample resources with three overrides for one cluster: the work
// done per cluster on every change.
func BenchmarkRender(b *testing.B) {
	in := input(b,
		flotillav1alpha1.ClusterOverride{Image: &flotillav1alpha1.ImageOverride{Registry: "mirror.eu"}},
		flotillav1alpha1.ClusterOverride{ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"region": "eu"}}, Replicas: ptr(int32(2))},
		flotillav1alpha1.ClusterOverride{JSONPatch: []flotillav1alpha1.JSONPatchOperation{
			{Op: "add", Path: "/spec/template/metadata/labels/tier", Value: jsonValue(`"front"`)}}},
	)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(in); err != nil {
			b.Fatal(err)
		}
	}
}
