// Package controller wires the hub controllers (fleet, federation, ...) into one
// controller-runtime manager that runs against the hub API server.
package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/federation"
	"flotilla.dev/flotilla/internal/fleet"
	"flotilla.dev/flotilla/internal/platform/scheme"
)

// Options configure the hub controller process.
type Options struct {
	// MetricsAddr serves Prometheus metrics; "0" disables it.
	MetricsAddr string
	// ProbeAddr serves /healthz and /readyz; "0" disables it.
	ProbeAddr string
	// LeaderElect runs leader election on a Lease so only one replica acts.
	LeaderElect bool
	// LeaderElectionNamespace holds the Lease.
	LeaderElectionNamespace string
	// LeaseDuration, RenewDeadline and RetryPeriod tune leader election.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// ClusterProbeInterval is how often member clusters are probed.
	ClusterProbeInterval time.Duration
	// ClusterFailureThreshold is how long probes must fail before a member is marked unreachable.
	ClusterFailureThreshold time.Duration
	// ClusterSuccessThreshold is how long probes must succeed before an unreachable member is
	// marked reachable again.
	ClusterSuccessThreshold time.Duration
}

// DefaultOptions are the defaults of `flotilla controller`.
func DefaultOptions() Options {
	return Options{
		MetricsAddr:             ":8080",
		ProbeAddr:               ":8081",
		LeaderElectionNamespace: flotillav1alpha1.SystemNamespace,
		LeaseDuration:           15 * time.Second,
		RenewDeadline:           10 * time.Second,
		RetryPeriod:             2 * time.Second,
		ClusterProbeInterval:    5 * time.Second,
		ClusterFailureThreshold: 30 * time.Second,
		ClusterSuccessThreshold: 30 * time.Second,
	}
}

// Validate reports the first option that cannot work, naming its flag.
func (o Options) Validate() error {
	var errs []error
	if o.LeaderElect && o.LeaseDuration <= o.RenewDeadline {
		errs = append(errs, fmt.Errorf("--leader-elect-lease-duration (%s) must exceed --leader-elect-renew-deadline (%s)", o.LeaseDuration, o.RenewDeadline))
	}
	if o.ClusterProbeInterval <= 0 {
		errs = append(errs, fmt.Errorf("--cluster-probe-interval must be positive, got %s", o.ClusterProbeInterval))
	}
	if o.ClusterFailureThreshold < 0 || o.ClusterSuccessThreshold < 0 {
		errs = append(errs, errors.New("--cluster-failure-threshold and --cluster-success-threshold must not be negative"))
	}
	return errors.Join(errs...)
}

// Leader election holds a Lease in the system namespace.
// +kubebuilder:rbac:groups=coordination.k8s.io,namespace=flotilla-system,resources=leases,verbs=get;list;watch;create;update;patch;delete

// NewManager builds the manager with every hub capability attached.
func NewManager(cfg *rest.Config, o Options, log logr.Logger) (manager.Manager, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	lease, renew, retry := o.LeaseDuration, o.RenewDeadline, o.RetryPeriod
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                        scheme.Scheme,
		Logger:                        log,
		Metrics:                       metricsserver.Options{BindAddress: o.MetricsAddr},
		HealthProbeBindAddress:        o.ProbeAddr,
		LeaderElection:                o.LeaderElect,
		LeaderElectionID:              "flotilla-controller",
		LeaderElectionNamespace:       o.LeaderElectionNamespace,
		LeaderElectionReleaseOnCancel: true,
		LeaseDuration:                 &lease,
		RenewDeadline:                 &renew,
		RetryPeriod:                   &retry,
	})
	if err != nil {
		return nil, fmt.Errorf("creating the controller manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	if err := setupCapabilities(mgr, o); err != nil {
		return nil, err
	}
	return mgr, nil
}

// setupCapabilities attaches each capability's reconcilers to the manager.
func setupCapabilities(mgr manager.Manager, o Options) error {
	registry, err := fleet.Setup(mgr, fleet.Options{
		ProbeInterval: o.ClusterProbeInterval,
		Thresholds:    fleet.Thresholds{Failure: o.ClusterFailureThreshold, Success: o.ClusterSuccessThreshold},
	})
	if err != nil {
		return fmt.Errorf("setting up the fleet controller: %w", err)
	}
	if err := federation.Setup(mgr, registry, federation.Options{}); err != nil {
		return fmt.Errorf("setting up the federation controller: %w", err)
	}
	return nil
}

// Run builds the manager and runs it until ctx ends.
func Run(ctx context.Context, cfg *rest.Config, o Options, log logr.Logger) error {
	mgr, err := NewManager(cfg, o, log)
	if err != nil {
		return err
	}
	log.Info("starting hub controllers", "leaderElection", o.LeaderElect, "metrics", o.MetricsAddr)
	return mgr.Start(ctx)
}
