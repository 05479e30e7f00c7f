package devfleet

import (
	"encoding/base64"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestMetricsAPIServicePointsAtMetricsServer(t *testing.T) {
	u := metricsAPIServiceObject(20010, []byte("CA"))
	if u.GetName() != "v1beta1.metrics.k8s.io" || u.GetAPIVersion() != "apiregistration.k8s.io/v1" || u.GetKind() != "APIService" {
		t.Fatalf("object %s %s %s", u.GetAPIVersion(), u.GetKind(), u.GetName())
	}
	port, _, _ := unstructured.NestedInt64(u.Object, "spec", "service", "port")
	name, _, _ := unstructured.NestedString(u.Object, "spec", "service", "name")
	ca, _, _ := unstructured.NestedString(u.Object, "spec", "caBundle")
	if port != 20010 || name+"."+"kube-system.svc" != metricsServiceHost || ca != base64.StdEncoding.EncodeToString([]byte("CA")) {
		t.Errorf("spec.service %s:%d, caBundle %q", name, port, ca)
	}
}

func TestAPIServiceAvailable(t *testing.T) {
	for _, tt := range []struct {
		name       string
		conditions []any
		want       bool
	}{
		{"no status", nil, false},
		{"available", []any{map[string]any{"type": "Available", "status": "True"}}, true},
		{"unavailable", []any{map[string]any{"type": "Available", "status": "False", "reason": "FailedDiscoveryCheck"}}, false},
		{"another condition", []any{map[string]any{"type": "Other", "status": "True"}}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u := metricsAPIServiceObject(1, nil)
			if tt.conditions != nil {
				if err := unstructured.SetNestedSlice(u.Object, tt.conditions, "status", "conditions"); err != nil {
					t.Fatal(err)
				}
			}
			if got := apiServiceAvailable(u); got != tt.want {
				t.Errorf("apiServiceAvailable = %v, want %v", got, tt.want)
			}
		})
	}
}
