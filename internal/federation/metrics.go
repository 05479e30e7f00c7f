package federation

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/platform/promreg"
	"flotilla.dev/flotilla/internal/scheduling"
)

// rolloutPhases are the values of the phase label of flotilla_rollout_phase.
var rolloutPhases = []flotillav1alpha1.RolloutPhase{flotillav1alpha1.RolloutProgressing, flotillav1alpha1.RolloutPaused,
	flotillav1alpha1.RolloutSucceeded, flotillav1alpha1.RolloutAborting, flotillav1alpha1.RolloutAborted}

// metrics are the flotilla_rollout_* and flotilla_propagation_* series, and what the
// propagation latency needs to remember: when this process first saw each Application's
// generation, and which generation each member last received.
type metrics struct {
	phase        *prometheus.GaugeVec
	value        *prometheus.GaugeVec
	measurements *prometheus.CounterVec
	propagation  *prometheus.HistogramVec
	applies      *prometheus.CounterVec

	mu sync.Mutex
	// seen holds, per "namespace/name", the generation last seen and when it was first seen.
	seen map[string]seenGeneration
	// placed holds, per "namespace/name", when each cluster of the placement was first chosen.
	placed map[string]map[string]time.Time
	// reached holds, per "cluster/namespace/name", the generation whose propagation to the
	// member was measured last.
	reached map[string]int64
}

type seenGeneration struct {
	generation int64
	at         time.Time
}

// Results of flotilla_propagation_apply_total.
const (
	applySuccess = "success"
	applyFailure = "failure"
)

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
		propagation: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "flotilla_propagation_duration_seconds",
			Help:    "Time from the first reconciliation that saw an Application's generation to its member copy applied by server-side apply, per member.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600},
		}, []string{"cluster"}),
		applies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flotilla_propagation_apply_total",
			Help: "Applies of an Application's objects to a member, by result (success, failure: the member rejected an object or could not be written).",
		}, []string{"cluster", "result"}),
		seen:    map[string]seenGeneration{},
		placed:  map[string]map[string]time.Time{},
		reached: map[string]int64{},
	}
	var err error
	if m.propagation, err = promreg.Register(reg, m.propagation); err != nil {
		return nil, err
	}
	if m.applies, err = promreg.Register(reg, m.applies); err != nil {
		return nil, err
	}
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

// sawGeneration notes when this process first saw the Application's current generation: the
// start of its propagation.
func (m *metrics) sawGeneration(app *flotillav1alpha1.Application, now time.Time) {
	if m == nil {
		return
	}
	key := app.Namespace + "/" + app.Name
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen[key].generation != app.Generation {
		m.seen[key] = seenGeneration{generation: app.Generation, at: now}
	}
}

// observePlacement notes when each cluster of the placement was first chosen: a cluster that
// joins the placement later (a failover, a new member) is measured from then, not from the
// generation's start.
func (m *metrics) observePlacement(app *flotillav1alpha1.Application, chosen []scheduling.Assignment, now time.Time) {
	if m == nil {
		return
	}
	key := app.Namespace + "/" + app.Name
	m.mu.Lock()
	defer m.mu.Unlock()
	next := make(map[string]time.Time, len(chosen))
	for _, a := range chosen {
		since, ok := m.placed[key][a.Name]
		if !ok {
			since = now
		}
		next[a.Name] = since
	}
	m.placed[key] = next
}

// observeApply counts one apply to cluster and, for the first successful apply of new content
// (changed is false for a re-apply of an unchanged copy) since the Application's generation
// changed, observes how long the change took to reach the member: from the generation's first
// sight, or from when the cluster joined the placement if that is later.
func (m *metrics) observeApply(app *flotillav1alpha1.Application, cluster string, ok, changed bool, now time.Time) {
	if m == nil {
		return
	}
	result := applySuccess
	if !ok {
		result = applyFailure
	}
	m.applies.WithLabelValues(cluster, applySuccess).Add(0) // both results exist from the first apply on
	m.applies.WithLabelValues(cluster, applyFailure).Add(0)
	m.applies.WithLabelValues(cluster, result).Inc()
	if !ok || !changed {
		return
	}
	m.mu.Lock()
	seen, known := m.seen[app.Namespace+"/"+app.Name]
	start := seen.at
	if since, ok := m.placed[app.Namespace+"/"+app.Name][cluster]; ok && since.After(start) {
		start = since
	}
	key := cluster + "/" + app.Namespace + "/" + app.Name
	first := known && seen.generation == app.Generation && m.reached[key] != app.Generation
	if first {
		m.reached[key] = app.Generation
	}
	m.mu.Unlock()
	if first {
		m.propagation.WithLabelValues(cluster).Observe(now.Sub(start).Seconds())
	}
}

// forget drops the series and the memory of a deleted Application.
func (m *metrics) forget(app *flotillav1alpha1.Application) {
	if m == nil {
		return
	}
	m.mu.Lock()
	delete(m.seen, app.Namespace+"/"+app.Name)
	delete(m.placed, app.Namespace+"/"+app.Name)
	for key := range m.reached {
		if _, rest, _ := strings.Cut(key, "/"); rest == app.Namespace+"/"+app.Name {
			delete(m.reached, key)
		}
	}
	m.mu.Unlock()
	labels := prometheus.Labels{"namespace": app.Namespace, "application": app.Name}
	m.phase.DeletePartialMatch(labels)
	m.value.DeletePartialMatch(labels)
	m.measurements.DeletePartialMatch(labels)
}
