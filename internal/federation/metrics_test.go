package federation

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/platform/promreg/promregtest"
	"flotilla.dev/flotilla/internal/scheduling"
)

// TestPropagationIsMeasuredOncePerGenerationAndCluster: the latency runs from the first pass
// that saw a generation to the first successful apply of new content in each member; re-applies
// of an unchanged copy, later steps of the same generation and failures are counted as applies
// but not measured.
func TestPropagationIsMeasuredOncePerGenerationAndCluster(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := newMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	app := &flotillav1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web", Generation: 1}}
	m.sawGeneration(app, t0)
	m.sawGeneration(app, t0.Add(time.Second)) // a later pass of the same generation
	m.observeApply(app, "member-1", false, true, t0.Add(2*time.Second))
	m.observeApply(app, "member-1", true, true, t0.Add(3*time.Second))
	m.observeApply(app, "member-2", true, true, t0.Add(5*time.Second))
	m.observeApply(app, "member-1", true, true, t0.Add(9*time.Second))   // the next step of a rollout
	m.observeApply(app, "member-2", true, false, t0.Add(20*time.Second)) // a periodic re-apply

	app.Generation = 2
	m.sawGeneration(app, t0.Add(30*time.Second))
	m.observeApply(app, "member-1", true, true, t0.Add(31*time.Second))

	// A failover moves the Application to member-3 an hour later: measured from then.
	m.observePlacement(app, []scheduling.Assignment{{Name: "member-1"}, {Name: "member-2"}}, t0.Add(30*time.Second))
	m.observePlacement(app, []scheduling.Assignment{{Name: "member-1"}, {Name: "member-3"}}, t0.Add(time.Hour))
	m.observePlacement(app, []scheduling.Assignment{{Name: "member-1"}, {Name: "member-3"}}, t0.Add(time.Hour+time.Second))
	m.observeApply(app, "member-3", true, true, t0.Add(time.Hour+2*time.Second))

	histogram := "flotilla_propagation_duration_seconds"
	for cluster, want := range map[string]struct{ count, sum float64 }{"member-1": {2, 3 + 1}, "member-2": {1, 5}, "member-3": {1, 2}} {
		count, _ := promregtest.Value(t, reg, histogram, map[string]string{"cluster": cluster})
		sum := promregtest.Sum(t, reg, histogram, map[string]string{"cluster": cluster})
		if count != want.count || sum != want.sum {
			t.Errorf("%s: %v observations summing to %vs, want %v summing to %vs", cluster, count, sum, want.count, want.sum)
		}
	}
	for _, tc := range []struct {
		cluster, result string
		want            float64
	}{{"member-1", applySuccess, 3}, {"member-1", applyFailure, 1}, {"member-2", applySuccess, 2}, {"member-2", applyFailure, 0}} {
		if got, _ := promregtest.Value(t, reg, "flotilla_propagation_apply_total", map[string]string{"cluster": tc.cluster, "result": tc.result}); got != tc.want {
			t.Errorf("applies to %s with result %s: %v, want %v", tc.cluster, tc.result, got, tc.want)
		}
	}

	m.forget(app)
	if len(m.seen) != 0 || len(m.placed) != 0 || len(m.reached) != 0 {
		t.Errorf("a deleted Application is still remembered: %v %v %v", m.seen, m.placed, m.reached)
	}
}

func TestNilMetricsRecordNothing(t *testing.T) {
	var m *metrics
	app := &flotillav1alpha1.Application{}
	m.sawGeneration(app, time.Now())
	m.observePlacement(app, nil, time.Now())
	m.observeApply(app, "member-1", true, true, time.Now())
	m.forget(app)
}
