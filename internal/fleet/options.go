package fleet

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/utils/clock"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// Options tune the fleet controller. The zero value of each field means its default.
type Options struct {
	// ProbeInterval is how often each member's API server is probed (default 5s).
	ProbeInterval time.Duration
	// ProbeTimeout bounds one probe (default 5s).
	ProbeTimeout time.Duration
	// MaxProbeBackoff caps the delay between probes of a member declared unreachable
	// (default 30s); see NextProbe.
	MaxProbeBackoff time.Duration
	// Thresholds set the hysteresis of the Reachable verdict (default 30s both ways).
	Thresholds Thresholds
	// StatusRefreshInterval is how stale status.lastProbeTime may get when nothing else in the
	// status changed, to spare the hub a write per probe (default 30s).
	StatusRefreshInterval time.Duration
	// MemberQPS and MemberBurst limit the requests to each member (default 200 and 400: close
	// to what one member API server on 2 cores absorbs, so propagation is not throttled here).
	MemberQPS   float32
	MemberBurst int
	// MaxConcurrentReconciles is how many members are probed in parallel (default 4).
	MaxConcurrentReconciles int
	// Namespace holds the members' kubeconfig Secrets (default flotilla-system).
	Namespace string
	// Clock tells the time (default the real clock).
	Clock clock.PassiveClock
	// Registerer receives the flotilla_cluster_* metrics (default controller-runtime's
	// metrics.Registry, served by the manager).
	Registerer prometheus.Registerer
}

// withDefaults fills every zero field.
func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.ProbeInterval, 5*time.Second)
	def(&o.ProbeTimeout, 5*time.Second)
	def(&o.MaxProbeBackoff, 30*time.Second)
	def(&o.StatusRefreshInterval, 30*time.Second)
	if o.Thresholds == (Thresholds{}) {
		o.Thresholds = DefaultThresholds
	}
	if o.MemberQPS <= 0 {
		o.MemberQPS = 200
	}
	if o.MemberBurst <= 0 {
		o.MemberBurst = 400
	}
	if o.MaxConcurrentReconciles <= 0 {
		o.MaxConcurrentReconciles = 4
	}
	if o.Namespace == "" {
		o.Namespace = flotillav1alpha1.SystemNamespace
	}
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	return o
}

// validate names the first option that cannot work.
func (o Options) validate() error {
	if o.Thresholds.Failure < 0 || o.Thresholds.Success < 0 {
		return fmt.Errorf("fleet options: Thresholds.Failure (%s) and Thresholds.Success (%s) must not be negative", o.Thresholds.Failure, o.Thresholds.Success)
	}
	return nil
}
