package audit

import (
	"github.com/prometheus/client_golang/prometheus"

	"flotilla.dev/flotilla/internal/platform/promreg"
)

// metrics are the flotilla_audit_* series of a process's recorder (one per process; tests that
// run several share the series).
type metrics struct {
	records       *prometheus.CounterVec
	dropped       prometheus.Counter
	writeFailures prometheus.Counter
	pending       prometheus.Gauge
	storeBytes    prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flotilla_audit_records_total",
			Help: "Audit records accepted by the recorder (spooled or queued for the sink), by source (flotilla, apiserver).",
		}, []string{"source"}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "flotilla_audit_dropped_records_total",
			Help: "Audit records the recorder dropped: invalid, or over the in-memory queue's bound while the spool failed or there is none.",
		}),
		writeFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "flotilla_audit_write_failures_total",
			Help: "Batches of audit records the sink (the store, or a console elsewhere) failed to take; they are sent again.",
		}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "flotilla_audit_pending_records",
			Help: "Audit records the sink has not taken yet (in the spool or in memory).",
		}),
		storeBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "flotilla_audit_store_bytes",
			Help: "Size of the audit store's day files, when the process keeps the store (else 0).",
		}),
	}
	var err error
	if m.records, err = promreg.Register(reg, m.records); err != nil {
		return nil, err
	}
	if m.dropped, err = promreg.Register(reg, m.dropped); err != nil {
		return nil, err
	}
	if m.writeFailures, err = promreg.Register(reg, m.writeFailures); err != nil {
		return nil, err
	}
	if m.pending, err = promreg.Register(reg, m.pending); err != nil {
		return nil, err
	}
	if m.storeBytes, err = promreg.Register(reg, m.storeBytes); err != nil {
		return nil, err
	}
	for _, source := range []string{SourceFlotilla, SourceAPIServer} {
		m.records.WithLabelValues(source) // both sources exist from the start, at 0
	}
	return m, nil
}

// sized is a sink that knows how many bytes it holds (the Store).
type sized interface{ Size() int64 }

// observe exports what waits for the sink and the size of the store.
func (m *metrics) observe(r *Recorder) {
	m.pending.Set(float64(r.Pending()))
	if s, ok := r.sink.(sized); ok {
		m.storeBytes.Set(float64(s.Size()))
	}
}
