package tuning

import (
	"github.com/prometheus/client_golang/prometheus"

	"flotilla.dev/flotilla/internal/platform/promreg"
)

// Results of flotilla_tuning_resizes_total.
const (
	resizeSuccess = "success"
	resizeRefused = "refused"
)

// revisionReasons are the values of the reason label of flotilla_tuning_revisions_total.
var revisionReasons = []string{ReasonRecommendation, ReasonBurst, ReasonAutoRevert, ReasonRevert}

// metrics are the flotilla_tuning_* series.
type metrics struct {
	revisions    *prometheus.CounterVec
	resizes      *prometheus.CounterVec
	samples      *prometheus.CounterVec
	sampleErrors *prometheus.CounterVec
	profiles     prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		revisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flotilla_tuning_revisions_total",
			Help: "Revisions of a ResourcePolicy, by reason (Recommendation, Burst, AutoRevert, Revert).",
		}, []string{"namespace", "name", "reason"}),
		resizes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flotilla_tuning_resizes_total",
			Help: "In-place pod resizes asked of a member, by result (success, refused: the member or its kubelet said no).",
		}, []string{"cluster", "result"}),
		samples: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flotilla_tuning_samples_total",
			Help: "Container usage samples read from the member's kubelets into the usage profiles.",
		}, []string{"cluster"}),
		sampleErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flotilla_tuning_sample_errors_total",
			Help: "Failed reads of the sampler in a member: the member unreachable, a pod list, a node's resource metrics.",
		}, []string{"cluster"}),
		profiles: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "flotilla_tuning_profiles",
			Help: "Containers (per ResourcePolicy and Application) with a usage profile in memory.",
		}),
	}
	var err error
	if m.revisions, err = promreg.Register(reg, m.revisions); err != nil {
		return nil, err
	}
	if m.resizes, err = promreg.Register(reg, m.resizes); err != nil {
		return nil, err
	}
	if m.samples, err = promreg.Register(reg, m.samples); err != nil {
		return nil, err
	}
	if m.sampleErrors, err = promreg.Register(reg, m.sampleErrors); err != nil {
		return nil, err
	}
	if m.profiles, err = promreg.Register(reg, m.profiles); err != nil {
		return nil, err
	}
	return m, nil
}

// observeRevision counts a revision (every reason's series of the policy exists from its first
// revision on).
func (m *metrics) observeRevision(namespace, name, reason string) {
	if m == nil {
		return
	}
	for _, r := range revisionReasons {
		m.revisions.WithLabelValues(namespace, name, r).Add(0)
	}
	m.revisions.WithLabelValues(namespace, name, reason).Inc()
}

// observeResize counts a resize asked of cluster.
func (m *metrics) observeResize(cluster string, ok bool) {
	if m == nil {
		return
	}
	success, refused := m.resizes.WithLabelValues(cluster, resizeSuccess), m.resizes.WithLabelValues(cluster, resizeRefused)
	if ok {
		success.Inc()
	} else {
		refused.Inc()
	}
}

// observeSampling counts the samples and failed reads of one sampling of cluster.
func (m *metrics) observeSampling(cluster string, samples, errors int) {
	if m == nil {
		return
	}
	m.samples.WithLabelValues(cluster).Add(float64(samples))
	m.sampleErrors.WithLabelValues(cluster).Add(float64(errors))
}

func (m *metrics) setProfiles(n int) {
	if m == nil {
		return
	}
	m.profiles.Set(float64(n))
}

// forget drops the series of a deleted ResourcePolicy.
func (m *metrics) forget(namespace, name string) {
	if m == nil {
		return
	}
	m.revisions.DeletePartialMatch(prometheus.Labels{"namespace": namespace, "name": name})
}
