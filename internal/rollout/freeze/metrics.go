package freeze

import (
	"github.com/prometheus/client_golang/prometheus"

	"flotilla.dev/flotilla/internal/platform/promreg"
)

// metrics are the flotilla_change_freeze_* series.
type metrics struct {
	frozen *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		frozen: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "flotilla_change_freeze_frozen",
			Help: "1 while the ChangeFreeze holds rollouts (by hand or by its signal), else 0.",
		}, []string{"name"}),
	}
	var err error
	if m.frozen, err = promreg.Register(reg, m.frozen); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *metrics) observe(name string, frozen bool) {
	if m == nil {
		return
	}
	v := 0.0
	if frozen {
		v = 1
	}
	m.frozen.WithLabelValues(name).Set(v)
}

// forget drops the series of a deleted ChangeFreeze.
func (m *metrics) forget(name string) {
	if m == nil {
		return
	}
	m.frozen.DeleteLabelValues(name)
}
