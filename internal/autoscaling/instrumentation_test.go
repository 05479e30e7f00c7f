package autoscaling

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/platform/promreg/promregtest"
)

func TestDecisionsAreExported(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := newInstruments(reg)
	if err != nil {
		t.Fatal(err)
	}
	fa := &flotillav1alpha1.FleetAutoscaler{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}}
	m.observeMetric(fa, "qps", false)
	m.observeMetric(fa, "latency", true)
	m.observeDecision(fa, 2, 2)
	m.observeDecision(fa, 2, 5)
	m.observeDecision(fa, 5, 3)
	m.observeDecision(fa, 3, 4)
	self := map[string]string{"namespace": "shop", "name": "web"}
	with := func(k, v string) map[string]string {
		l := map[string]string{k: v}
		for k, v := range self {
			l[k] = v
		}
		return l
	}
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"flotilla_autoscaler_current_replicas", self, 3},
		{"flotilla_autoscaler_desired_replicas", self, 4},
		{"flotilla_autoscaler_scale_total", with("direction", directionUp), 2},
		{"flotilla_autoscaler_scale_total", with("direction", directionDown), 1},
		{"flotilla_autoscaler_metric_errors_total", with("metric", "qps"), 0},
		{"flotilla_autoscaler_metric_errors_total", with("metric", "latency"), 1},
	} {
		got, found := promregtest.Value(t, reg, tc.name, tc.labels)
		if !found || got != tc.want {
			t.Errorf("%s%v = %v (found %v), want %v", tc.name, tc.labels, got, found, tc.want)
		}
	}
	m.forget("shop", "web")
	if _, found := promregtest.Value(t, reg, "flotilla_autoscaler_desired_replicas", self); found {
		t.Error("the series of a deleted autoscaler remain")
	}
}
