// Package controller is `flotilla controller`: the hub controllers in one process.
package controller

import (
	"github.com/spf13/cobra"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	appcontroller "flotilla.dev/flotilla/internal/app/controller"
	"flotilla.dev/flotilla/internal/cli/options"
)

// NewCommand returns `flotilla controller`.
func NewCommand(g *options.Global) *cobra.Command {
	o := appcontroller.DefaultOptions()
	var logFormat string
	cmd := &cobra.Command{
		Use:   "controller",
		Short: "Run the hub controllers (fleet, federation, ...) against the hub API server",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if logFormat != "text" && logFormat != "json" {
				return &options.UsageError{Err: errInvalidLogFormat(logFormat)}
			}
			log := zap.New(zap.UseDevMode(logFormat == "text"), zap.WriteTo(g.ErrOut))
			ctrl.SetLogger(log)
			cfg, err := g.RESTConfig()
			if err != nil {
				return err
			}
			return appcontroller.Run(cmd.Context(), cfg, o, log)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.MetricsAddr, "metrics-bind-address", o.MetricsAddr, "address of the Prometheus metrics endpoint; 0 disables it")
	f.StringVar(&o.ProbeAddr, "health-probe-bind-address", o.ProbeAddr, "address of /healthz and /readyz; 0 disables it")
	f.BoolVar(&o.LeaderElect, "leader-elect", o.LeaderElect, "elect a leader with a Lease so only one replica acts")
	f.StringVar(&o.LeaderElectionNamespace, "leader-elect-namespace", o.LeaderElectionNamespace, "namespace of the leader election Lease")
	f.DurationVar(&o.LeaseDuration, "leader-elect-lease-duration", o.LeaseDuration, "how long a leader's lease lasts without renewal")
	f.DurationVar(&o.RenewDeadline, "leader-elect-renew-deadline", o.RenewDeadline, "how long the leader keeps trying to renew before giving up")
	f.DurationVar(&o.RetryPeriod, "leader-elect-retry-period", o.RetryPeriod, "how often candidates try to acquire the lease")
	f.DurationVar(&o.ClusterProbeInterval, "cluster-probe-interval", o.ClusterProbeInterval, "how often member clusters are probed")
	f.DurationVar(&o.TuningSampleInterval, "tuning-sample-interval", o.TuningSampleInterval, "how often the usage of pods under a ResourcePolicy is read from their nodes' kubelet metrics (the burst path reacts within about this long)")
	f.DurationVar(&o.TuningCheckpointInterval, "tuning-checkpoint-interval", o.TuningCheckpointInterval, "how often usage profiles are saved to the hub (a restart loses at most this much history)")
	f.DurationVar(&o.ClusterFailureThreshold, "cluster-failure-threshold", o.ClusterFailureThreshold, "how long probes must fail before a member is marked unreachable")
	f.DurationVar(&o.ClusterSuccessThreshold, "cluster-success-threshold", o.ClusterSuccessThreshold, "how long probes must succeed before a member is marked reachable again")
	f.IntVar(&o.WebhookPort, "webhook-port", o.WebhookPort, "HTTPS port of the validating admission webhook for Applications; 0 runs no webhook server")
	f.StringVar(&o.WebhookHost, "webhook-host", o.WebhookHost, "address the webhook server listens on, e.g. 127.0.0.1; empty means all addresses")
	f.StringVar(&o.WebhookCertDir, "webhook-cert-dir", o.WebhookCertDir, "directory holding the webhook server's tls.crt and tls.key (reloaded on change)")
	f.StringVar(&o.ConsoleAddr, "console-addr", o.ConsoleAddr, "serve the web console and its API at this address, e.g. 127.0.0.1:8090; empty serves none")
	f.StringVar(&o.ConsoleCertDir, "console-cert-dir", o.ConsoleCertDir, "directory holding the console's tls.crt and tls.key; empty serves plain HTTP (keep it on loopback)")
	f.StringVar(&o.ConsoleIngestAddr, "console-ingest-addr", o.ConsoleIngestAddr, "also take audit records (the hub API server's audit webhook) over TLS at this address, for a plain-HTTP console")
	f.StringVar(&o.ConsoleIngestCertDir, "console-ingest-cert-dir", o.ConsoleIngestCertDir, "directory holding tls.crt and tls.key for --console-ingest-addr")
	f.StringVar(&o.AuditDir, "audit-dir", o.AuditDir, "keep the audit trail in this directory (records and a spool); the console reads it")
	f.StringVar(&o.AuditURL, "audit-url", o.AuditURL, "send audit records to a console elsewhere, e.g. https://console:8090/api/v1/audit/ingest (instead of --audit-dir)")
	f.StringVar(&o.AuditTokenFile, "audit-token-file", o.AuditTokenFile, "file holding the bearer token for --audit-url")
	f.StringVar(&o.AuditSpoolDir, "audit-spool-dir", o.AuditSpoolDir, "where records wait on disk while --audit-url is unreachable")
	f.DurationVar(&o.AuditMaxAge, "audit-max-age", o.AuditMaxAge, "drop audit records older than this")
	f.Int64Var(&o.AuditMaxBytes, "audit-max-bytes", o.AuditMaxBytes, "drop the oldest audit records beyond this many bytes")
	f.StringVar(&logFormat, "log-format", "text", "log format: text or json")
	return cmd
}

type errInvalidLogFormat string

func (e errInvalidLogFormat) Error() string {
	return "--log-format must be text or json, got " + string(e)
}
