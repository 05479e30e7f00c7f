package federation

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/platform/promreg"
)

// rolloutPhases are the values of the phase label of flotilla_rollout_phase.
var rolloutPhases = []flotillav1alpha1.RolloutPhase{flotillav1alpha1.RolloutProgressing, flotillav1alpha1.RolloutPaused,
	flotillav1alpha1.RolloutSucceeded, flotillav1alpha1.RolloutAborting, flotillav1alpha1.RolloutAborted}

// metrics are the flotilla_rollout_* series.
type metrics struct {
	phase        *prometheus.GaugeVec
	value        *prometheus.GaugeVec
	measurements *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		phase: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "flotilla_rollout_phase",
			Help: "1 for the phase the Application's rollout is in, 0 for the others.",
		}, []string{"namespace", "application", "phase"}),
		value: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "flotilla_rollout_analysis_value",
			Help: "Latest value an analysis metric measured, for the canary and (maxIncreaseOverStable) the stable revision.",
		}, []string{"namespace", "application", "metric", "track"}),
		measurements: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flotilla_rollout_analysis_measurements_total",
			Help: "Analysis measurements by metric and phase (Successful, Failed, Inconclusive, Error).",
		}, []string{"namespace", "application", "metric", "phase"}),
	}
	var err error
	if m.phase, err = promreg.Register(reg, m.phase); err != nil {
		return nil, err
	}
	if m.value, err = promreg.Register(reg, m.value); err != nil {
		return nil, err
	}
	if m.measurements, err = promreg.Register(reg, m.measurements); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *metrics) observeRollout(app *flotillav1alpha1.Application, st *flotillav1alpha1.RolloutStatus) {
	if m == nil || st == nil {
		return
	}
	for _, p := range rolloutPhases {
		v := 0.0
		if st.Phase == p {
			v = 1
		}
		m.phase.WithLabelValues(app.Namespace, app.Name, string(p)).Set(v)
	}
}

func (m *metrics) observeAnalysis(app *flotillav1alpha1.Application, results []flotillav1alpha1.MetricResult) {
	if m == nil {
		return
	}
	for _, r := range results {
		m.measurements.WithLabelValues(app.Namespace, app.Name, r.Name, string(r.Phase)).Inc()
		if v, err := strconv.ParseFloat(r.Value, 64); err == nil {
			m.value.WithLabelValues(app.Namespace, app.Name, r.Name, flotillav1alpha1.TrackCanary).Set(v)
		}
		if v, err := strconv.ParseFloat(r.StableValue, 64); err == nil {
			m.value.WithLabelValues(app.Namespace, app.Name, r.Name, flotillav1alpha1.TrackStable).Set(v)
		}
	}
}

// forget drops the series of a deleted Application.
func (m *metrics) forget(app *flotillav1alpha1.Application) {
	if m == nil {
		return
	}
	labels := prometheus.Labels{"namespace": app.Namespace, "application": app.Name}
	m.phase.DeletePartialMatch(labels)
	m.value.DeletePartialMatch(labels)
	m.measurements.DeletePartialMatch(labels)
}
