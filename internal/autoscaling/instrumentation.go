package autoscaling

import (
	"github.com/prometheus/client_golang/prometheus"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/platform/promreg"
)

// Directions of flotilla_autoscaler_scale_total.
const (
	directionUp   = "up"
	directionDown = "down"
)

// instruments are the flotilla_autoscaler_* series (metrics.go reads the metrics autoscalers
// scale on; this file exports what they decided).
type instruments struct {
	desired      *prometheus.GaugeVec
	current      *prometheus.GaugeVec
	scales       *prometheus.CounterVec
	metricErrors *prometheus.CounterVec
}

func newInstruments(reg prometheus.Registerer) (*instruments, error) {
	m := &instruments{
		desired: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "flotilla_autoscaler_desired_replicas",
			Help: "Fleet-wide replica count the FleetAutoscaler decided at its last evaluation.",
		}, []string{"namespace", "name"}),
		current: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "flotilla_autoscaler_current_replicas",
			Help: "Fleet-wide replica count of the target Application at the FleetAutoscaler's last evaluation.",
		}, []string{"namespace", "name"}),
		scales: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flotilla_autoscaler_scale_total",
			Help: "Replica count changes the FleetAutoscaler wrote to its Application, by direction (up, down).",
		}, []string{"namespace", "name", "direction"}),
		metricErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flotilla_autoscaler_metric_errors_total",
			Help: "Evaluations in which a metric of the FleetAutoscaler could not be read.",
		}, []string{"namespace", "name", "metric"}),
	}
	var err error
	if m.desired, err = promreg.Register(reg, m.desired); err != nil {
		return nil, err
	}
	if m.current, err = promreg.Register(reg, m.current); err != nil {
		return nil, err
	}
	if m.scales, err = promreg.Register(reg, m.scales); err != nil {
		return nil, err
	}
	if m.metricErrors, err = promreg.Register(reg, m.metricErrors); err != nil {
		return nil, err
	}
	return m, nil
}

// observeDecision exports one evaluation: the counts, and the scale it made when desired
// differs from current.
func (m *instruments) observeDecision(fa *flotillav1alpha1.FleetAutoscaler, current, desired int32) {
	if m == nil {
		return
	}
	m.current.WithLabelValues(fa.Namespace, fa.Name).Set(float64(current))
	m.desired.WithLabelValues(fa.Namespace, fa.Name).Set(float64(desired))
	up, down := m.scales.WithLabelValues(fa.Namespace, fa.Name, directionUp), m.scales.WithLabelValues(fa.Namespace, fa.Name, directionDown)
	switch {
	case desired > current:
		up.Inc()
	case desired < current:
		down.Inc()
	}
}

// observeMetric counts a metric that could not be read (the series of every metric exists from
// its first evaluation on, at 0 while it reads fine).
func (m *instruments) observeMetric(fa *flotillav1alpha1.FleetAutoscaler, metric string, failed bool) {
	if m == nil {
		return
	}
	c := m.metricErrors.WithLabelValues(fa.Namespace, fa.Name, metric)
	if failed {
		c.Inc()
	}
}

// forget drops the series of a deleted FleetAutoscaler.
func (m *instruments) forget(namespace, name string) {
	if m == nil {
		return
	}
	labels := prometheus.Labels{"namespace": namespace, "name": name}
	m.desired.DeletePartialMatch(labels)
	m.current.DeletePartialMatch(labels)
	m.scales.DeletePartialMatch(labels)
	m.metricErrors.DeletePartialMatch(labels)
}
