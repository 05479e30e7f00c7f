package tuning

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"flotilla.dev/flotilla/internal/platform/promreg/promregtest"
)

func TestTuningMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := newMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	m.observeRevision("shop", "web", ReasonRecommendation)
	m.observeRevision("shop", "web", ReasonRecommendation)
	m.observeRevision("shop", "web", ReasonAutoRevert)
	m.observeResize("member-1", true)
	m.observeResize("member-1", false)
	m.observeResize("member-2", true)
	m.observeSampling("member-1", 12, 0)
	m.observeSampling("member-1", 3, 1)
	m.setProfiles(4)
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"flotilla_tuning_revisions_total", map[string]string{"name": "web", "reason": ReasonRecommendation}, 2},
		{"flotilla_tuning_revisions_total", map[string]string{"name": "web", "reason": ReasonAutoRevert}, 1},
		{"flotilla_tuning_revisions_total", map[string]string{"name": "web", "reason": ReasonBurst}, 0},
		{"flotilla_tuning_resizes_total", map[string]string{"cluster": "member-1", "result": resizeSuccess}, 1},
		{"flotilla_tuning_resizes_total", map[string]string{"cluster": "member-1", "result": resizeRefused}, 1},
		{"flotilla_tuning_resizes_total", map[string]string{"cluster": "member-2", "result": resizeRefused}, 0},
		{"flotilla_tuning_samples_total", map[string]string{"cluster": "member-1"}, 15},
		{"flotilla_tuning_sample_errors_total", map[string]string{"cluster": "member-1"}, 1},
		{"flotilla_tuning_profiles", nil, 4},
	} {
		got, found := promregtest.Value(t, reg, tc.name, tc.labels)
		if !found || got != tc.want {
			t.Errorf("%s%v = %v (found %v), want %v", tc.name, tc.labels, got, found, tc.want)
		}
	}
	m.forget("shop", "web")
	if _, found := promregtest.Value(t, reg, "flotilla_tuning_revisions_total", map[string]string{"name": "web"}); found {
		t.Error("the series of a deleted policy remain")
	}
}
