package fleet

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/platform/promreg"
)

// metrics are the flotilla_cluster_* series.
type metrics struct {
	ready       *prometheus.GaugeVec
	allocatable *prometheus.GaugeVec
	available   *prometheus.GaugeVec
	probe       *prometheus.HistogramVec
}

// summaryResources are the resources the capacity gauges export, with their units.
var summaryResources = []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourcePods}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		ready: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "flotilla_cluster_ready",
			Help: "1 when the member cluster is Ready (reachable with at least one Ready node), else 0.",
		}, []string{"cluster"}),
		allocatable: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "flotilla_cluster_allocatable",
			Help: "Allocatable resources of the member's Ready, schedulable nodes (cpu in cores, memory in bytes, pods).",
		}, []string{"cluster", "resource"}),
		available: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "flotilla_cluster_available",
			Help: "Allocatable minus requested resources of the member's Ready, schedulable nodes (cpu in cores, memory in bytes, pods).",
		}, []string{"cluster", "resource"}),
		probe: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "flotilla_cluster_probe_duration_seconds",
			Help:    "Duration of the health probes of the member's API server, failed ones included.",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}, []string{"cluster"}),
	}
	var err error
	m.ready, err = promreg.Register(reg, m.ready)
	if err != nil {
		return nil, err
	}
	if m.allocatable, err = promreg.Register(reg, m.allocatable); err != nil {
		return nil, err
	}
	if m.available, err = promreg.Register(reg, m.available); err != nil {
		return nil, err
	}
	if m.probe, err = promreg.Register(reg, m.probe); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *metrics) observeProbe(cluster string, d time.Duration) {
	m.probe.WithLabelValues(cluster).Observe(d.Seconds())
}

func (m *metrics) observeStatus(cluster string, st *flotillav1alpha1.MemberClusterStatus, ready bool) {
	v := 0.0
	if ready {
		v = 1
	}
	m.ready.WithLabelValues(cluster).Set(v)
	for _, name := range summaryResources {
		m.allocatable.WithLabelValues(cluster, string(name)).Set(quantityValue(st.Resources.Allocatable, name))
		m.available.WithLabelValues(cluster, string(name)).Set(quantityValue(st.Resources.Available, name))
	}
}

func quantityValue(l corev1.ResourceList, name corev1.ResourceName) float64 {
	q, ok := l[name]
	if !ok {
		return 0
	}
	return q.AsApproximateFloat64()
}

// forget drops every series of a cluster that left the fleet.
func (m *metrics) forget(cluster string) {
	m.ready.DeleteLabelValues(cluster)
	m.probe.DeleteLabelValues(cluster)
	for _, name := range summaryResources {
		m.allocatable.DeleteLabelValues(cluster, string(name))
		m.available.DeleteLabelValues(cluster, string(name))
	}
}
