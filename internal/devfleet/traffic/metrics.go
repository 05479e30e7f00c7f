package traffic

import (
	"slices"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Names of the metrics a Generator exposes.
const (
	// MetricRequests counts requests by cluster, namespace, app, track, revision, pod and code.
	MetricRequests = "flotilla_sample_requests_total"
	// MetricDuration is a histogram of request latency by the same labels but code.
	MetricDuration = "flotilla_sample_request_duration_seconds"
)

// Response codes of simulated requests.
const (
	codeOK    = 200
	codeError = 500
)

// metrics are the collectors of one Generator, in a registry of its own.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	offered  *prometheus.GaugeVec
}

func newMetrics() *metrics {
	seriesLabels := []string{"cluster", "namespace", "app", "track", "revision", "pod"}
	requestLabels := slices.Concat(seriesLabels, []string{"code"})
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricRequests,
			Help: "Requests simulated for the pods of the local fleet, by response code.",
		}, requestLabels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    MetricDuration,
			Help:    "Latency of the requests simulated for the pods of the local fleet.",
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1},
		}, seriesLabels),
	}
	m.offered = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: MetricOffered,
		Help: "Requests per second offered to an application (SetOffered), served or not.",
	}, []string{"namespace", "app"})
	m.registry.MustRegister(m.requests, m.duration, m.offered)
	return m
}

func (s Series) values() []string {
	return []string{s.Cluster, s.Namespace, s.App, s.Track, s.Revision, s.Pod}
}

// record counts ok and failed requests of a pod. Both codes' series exist from the first
// record on, so an error ratio of a pod without errors is 0, not empty.
func (m *metrics) record(s Series, ok, failed int, latency float64) {
	v := s.values()
	m.requests.WithLabelValues(slices.Concat(v, []string{strconv.Itoa(codeOK)})...).Add(float64(ok))
	m.requests.WithLabelValues(slices.Concat(v, []string{strconv.Itoa(codeError)})...).Add(float64(failed))
	h := m.duration.WithLabelValues(v...)
	for range ok + failed {
		h.Observe(latency)
	}
}

// forget deletes every series of a pod, whatever its other labels were.
func (m *metrics) forget(k podKey) {
	match := prometheus.Labels{"cluster": k.cluster, "namespace": k.namespace, "pod": k.name}
	m.requests.DeletePartialMatch(match)
	m.duration.DeletePartialMatch(match)
}
