package freeze

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"flotilla.dev/flotilla/internal/platform/promreg/promregtest"
)

func TestFrozenGauge(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := newMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"name": "black-friday"}
	for _, frozen := range []bool{true, false} {
		m.observe("black-friday", frozen)
		want := 0.0
		if frozen {
			want = 1
		}
		if got, _ := promregtest.Value(t, reg, "flotilla_change_freeze_frozen", labels); got != want {
			t.Errorf("frozen=%v: gauge %v, want %v", frozen, got, want)
		}
	}
	m.forget("black-friday")
	if _, found := promregtest.Value(t, reg, "flotilla_change_freeze_frozen", labels); found {
		t.Error("the series of a deleted freeze remains")
	}
}
