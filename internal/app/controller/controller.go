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
	"strings"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/autoscaling"
	autoscaleradmission "flotilla.dev/flotilla/internal/autoscaling/admission"
	"flotilla.dev/flotilla/internal/console"
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
	// ConsoleAddr serves the console (API and web application) there, e.g. 127.0.0.1:8090;
	// empty runs no console.
	ConsoleAddr string
	// ConsoleCertDir holds the console's tls.crt and tls.key; empty serves plain HTTP.
	ConsoleCertDir string
	// ConsoleIngestAddr and ConsoleIngestCertDir serve the audit ingest endpoints over TLS at a
	// second address, for a hub API server's audit webhook when the console is plain HTTP.
	ConsoleIngestAddr, ConsoleIngestCertDir string
	// AuditDir keeps the audit trail (records and a spool) in this folder; the console reads it.
	AuditDir string
	// AuditURL sends audit records to a console running elsewhere (its /api/v1/audit/ingest),
	// with the bearer token in AuditTokenFile, spooling in AuditSpoolDir while it is down.
	AuditURL, AuditTokenFile, AuditSpoolDir string
	// AuditMaxAge and AuditMaxBytes retain the trail in AuditDir.
	AuditMaxAge   time.Duration
	AuditMaxBytes int64
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
		AuditMaxAge:              30 * 24 * time.Hour,
		AuditMaxBytes:            256 << 20,
	}
}

// Validate reports the first option that cannot work, naming its flag.
func (o Options) Validate() error {
	var errs []error
	if o.LeaderElect && o.LeaseDuration <= o.RenewDeadline {
		errs = append(errs, fmt.Errorf("--leader-elect-lease-duration (%s) must exceed --leader-elect-renew-deadline (%s)", o.LeaseDuration, o.RenewDeadline))
	}
	if o.AuditDir != "" && o.AuditURL != "" {
		errs = append(errs, errors.New("--audit-dir and --audit-url exclude each other: keep the trail here or send it to a console elsewhere"))
	}
	if o.AuditURL != "" && o.AuditTokenFile == "" {
		errs = append(errs, errors.New("--audit-url needs --audit-token-file: the bearer token the console accepts"))
	}
	if (o.ConsoleIngestAddr == "") != (o.ConsoleIngestCertDir == "") {
		errs = append(errs, errors.New("--console-ingest-addr and --console-ingest-cert-dir go together: the ingest endpoint is TLS only"))
	}
	if o.ConsoleCertDir != "" && o.ConsoleAddr == "" {
		errs = append(errs, errors.New("--console-cert-dir needs --console-addr"))
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
	t, err := openTrail(o, log)
	if err != nil {
		return nil, err
	}
	am := &auditedManager{Manager: mgr, clusters: func() []string { return nil }, clock: clock.RealClock{}}
	capMgr := mgr
	if t != nil {
		if err := mgr.Add(manager.RunnableFunc(t.Start)); err != nil {
			return nil, err
		}
		am.w = t
		capMgr = am
	}
	registry, err := setupCapabilities(capMgr, o)
	if err != nil {
		return nil, err
	}
	am.clusters = registry.Clusters
	if o.ConsoleAddr != "" {
		co := console.Options{Addr: o.ConsoleAddr, CertDir: o.ConsoleCertDir, IngestAddr: o.ConsoleIngestAddr,
			IngestCertDir: o.ConsoleIngestCertDir, Log: log.WithName("console")}
		if t != nil && t.Store != nil {
			co.Audit = t
		}
		srv, err := console.New(cfg, co)
		if err != nil {
			return nil, fmt.Errorf("setting up the console: %w", err)
		}
		if err := mgr.Add(srv); err != nil {
			return nil, err
		}
	}
	return mgr, nil
}

// readToken reads a bearer token from a file (trimmed), at every use so a rotated token is
// picked up.
func readToken(path string) (string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(raw)), nil
}

// setupCapabilities attaches each capability's reconcilers to the manager and returns the
// fleet registry.
func setupCapabilities(mgr manager.Manager, o Options) (*fleet.Registry, error) {
	registry, err := fleet.Setup(mgr, fleet.Options{
		ProbeInterval: o.ClusterProbeInterval,
		Thresholds:    fleet.Thresholds{Failure: o.ClusterFailureThreshold, Success: o.ClusterSuccessThreshold},
	})
	if err != nil {
		return nil, fmt.Errorf("setting up the fleet controller: %w", err)
	}
	return registry, setupReconcilers(mgr, registry, o)
}

// setupReconcilers attaches the reconcilers and webhooks that use the fleet registry.
func setupReconcilers(mgr manager.Manager, registry *fleet.Registry, o Options) error {
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
