// Package controller wires the hub controllers (fleet, federation, ...) into one
// controller-runtime manager that runs against the hub API server.
package controller

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/autoscaling"
	autoscaleradmission "flotilla.dev/flotilla/internal/autoscaling/admission"
	"flotilla.dev/flotilla/internal/federation"
	"flotilla.dev/flotilla/internal/federation/admission"
	"flotilla.dev/flotilla/internal/fleet"
	"flotilla.dev/flotilla/internal/platform/scheme"
	"flotilla.dev/flotilla/internal/platform/servingcert"
	"flotilla.dev/flotilla/internal/rollout/freeze"
	"flotilla.dev/flotilla/internal/tuning"
	tuningadmission "flotilla.dev/flotilla/internal/tuning/admission"
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
	// TuningSampleInterval is how often the usage of every pod under a ResourcePolicy is read.
	TuningSampleInterval time.Duration
	// TuningCheckpointInterval is how often usage profiles are saved to the hub.
	TuningCheckpointInterval time.Duration
	// WebhookPort serves the validating admission webhook for Applications over HTTPS; 0 runs
	// no webhook server.
	WebhookPort int
	// WebhookHost is the address the webhook server listens on; empty means all addresses.
	WebhookHost string
	// WebhookCertDir holds the webhook server's tls.crt and tls.key (reloaded when they change).
	WebhookCertDir string
}

// DefaultOptions are the defaults of `flotilla controller`.
func DefaultOptions() Options {
	return Options{
		MetricsAddr:              ":8080",
		ProbeAddr:                ":8081",
		LeaderElectionNamespace:  flotillav1alpha1.SystemNamespace,
		LeaseDuration:            15 * time.Second,
		RenewDeadline:            10 * time.Second,
		RetryPeriod:              2 * time.Second,
		ClusterProbeInterval:     5 * time.Second,
		ClusterFailureThreshold:  30 * time.Second,
		ClusterSuccessThreshold:  30 * time.Second,
		TuningSampleInterval:     time.Second,
		TuningCheckpointInterval: 30 * time.Second,
	}
}

// Validate reports the first option that cannot work, naming its flag.
func (o Options) Validate() error {
	var errs []error
	if o.LeaderElect && o.LeaseDuration <= o.RenewDeadline {
		errs = append(errs, fmt.Errorf("--leader-elect-lease-duration (%s) must exceed --leader-elect-renew-deadline (%s)", o.LeaseDuration, o.RenewDeadline))
	}
	if o.TuningSampleInterval < 100*time.Millisecond {
		errs = append(errs, fmt.Errorf("--tuning-sample-interval must be at least 100ms, got %s", o.TuningSampleInterval))
	}
	if o.TuningCheckpointInterval < time.Second {
		errs = append(errs, fmt.Errorf("--tuning-checkpoint-interval must be at least 1s, got %s", o.TuningCheckpointInterval))
	}
	if o.ClusterProbeInterval <= 0 {
		errs = append(errs, fmt.Errorf("--cluster-probe-interval must be positive, got %s", o.ClusterProbeInterval))
	}
	if o.ClusterFailureThreshold < 0 || o.ClusterSuccessThreshold < 0 {
		errs = append(errs, errors.New("--cluster-failure-threshold and --cluster-success-threshold must not be negative"))
	}
	errs = append(errs, o.validateWebhook()...)
	return errors.Join(errs...)
}

// validateWebhook checks the webhook flags: a port in range and, when the port is set, a
// certificate directory holding tls.crt and tls.key.
func (o Options) validateWebhook() []error {
	if o.WebhookPort < 0 || o.WebhookPort > 65535 {
		return []error{fmt.Errorf("--webhook-port must be between 0 and 65535, got %d", o.WebhookPort)}
	}
	if o.WebhookPort == 0 {
		return nil
	}
	if o.WebhookCertDir == "" {
		return []error{errors.New("--webhook-cert-dir is required with --webhook-port")}
	}
	var errs []error
	for _, name := range []string{"tls.crt", "tls.key"} {
		if _, err := os.Stat(filepath.Join(o.WebhookCertDir, name)); err != nil {
			errs = append(errs, fmt.Errorf("--webhook-cert-dir %s: %w", o.WebhookCertDir, err))
		}
	}
	return errs
}

// newWebhookServer returns nil (no webhook server) when o.WebhookPort is 0, else an HTTPS
// server on WebhookHost:WebhookPort with the key pair in WebhookCertDir, reloaded when the
// files change.
func newWebhookServer(o Options) (webhook.Server, error) {
	if o.WebhookPort == 0 {
		return nil, nil
	}
	files, err := servingcert.New(filepath.Join(o.WebhookCertDir, "tls.crt"), filepath.Join(o.WebhookCertDir, "tls.key"))
	if err != nil {
		return nil, fmt.Errorf("--webhook-cert-dir: %w", err)
	}
	return webhook.NewServer(webhook.Options{
		Host: o.WebhookHost, Port: o.WebhookPort,
		TLSOpts: []func(*tls.Config){files.TLSOpt},
	}), nil
}

// Leader election holds a Lease in the system namespace.
// +kubebuilder:rbac:groups=coordination.k8s.io,namespace=flotilla-system,resources=leases,verbs=get;list;watch;create;update;patch;delete

// NewManager builds the manager with every hub capability attached.
func NewManager(cfg *rest.Config, o Options, log logr.Logger) (manager.Manager, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	lease, renew, retry := o.LeaseDuration, o.RenewDeadline, o.RetryPeriod
	webhookServer, err := newWebhookServer(o)
	if err != nil {
		return nil, err
	}
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
		WebhookServer:                 webhookServer,
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
	if err := freeze.Setup(mgr, registry, freeze.Options{}); err != nil {
		return fmt.Errorf("setting up the change freeze controller: %w", err)
	}
	if err := autoscaling.Setup(mgr, registry, autoscaling.Options{}); err != nil {
		return fmt.Errorf("setting up the fleet autoscaler controller: %w", err)
	}
	if err := tuning.Setup(mgr, registry, tuning.Options{SampleInterval: o.TuningSampleInterval, CheckpointInterval: o.TuningCheckpointInterval}); err != nil {
		return fmt.Errorf("setting up the resource tuning controller: %w", err)
	}
	if o.WebhookPort == 0 {
		return nil
	}
	if err := admission.Setup(mgr); err != nil {
		return fmt.Errorf("setting up the Application admission webhook: %w", err)
	}
	if err := autoscaleradmission.Setup(mgr); err != nil {
		return fmt.Errorf("setting up the FleetAutoscaler admission webhook: %w", err)
	}
	if err := tuningadmission.Setup(mgr); err != nil {
		return fmt.Errorf("setting up the ResourcePolicy admission webhook: %w", err)
	}
	// Ready only once the webhook serves, so whoever registers it (dev up) does not lock
	// Application writes behind a server that is not listening yet.
	return mgr.AddReadyzCheck("webhook", mgr.GetWebhookServer().StartedChecker())
}

// Run builds the manager and runs it until ctx ends.
func Run(ctx context.Context, cfg *rest.Config, o Options, log logr.Logger) error {
	mgr, err := NewManager(cfg, o, log)
	if err != nil {
		return err
	}
	log.Info("starting hub controllers", "leaderElection", o.LeaderElect, "metrics", o.MetricsAddr, "webhookPort", o.WebhookPort)
	return mgr.Start(ctx)
}
