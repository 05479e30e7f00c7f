// Package console is `flotilla console`: the web console and its API on their own, beside
// controllers that send their audit records to it (--audit-url) — or inside the controller
// with `flotilla controller --console-addr`.
package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"flotilla.dev/flotilla/internal/audit"
	"flotilla.dev/flotilla/internal/cli/options"
	consoleserver "flotilla.dev/flotilla/internal/console"
)

// NewCommand returns `flotilla console`.
func NewCommand(g *options.Global) *cobra.Command {
	var addr, certDir, auditDir, logFormat, metricsAddr string
	cmd := &cobra.Command{
		Use:   "console",
		Short: "Serve the web console and its API (sign in with a hub token); keeps the audit trail",
		Long: `Console serves the web console and its HTTP API (docs/console-api.md) for the hub the
kubeconfig reaches. Every request needs a hub bearer token (checked with a TokenReview) and acts as
that user through impersonation, so the hub's RBAC applies. With --audit-dir it keeps the audit
trail: what users do in the console, what the hub API server's audit webhook sends, and what
controllers started with --audit-url send.

The kubeconfig's identity needs: create tokenreviews and subjectaccessreviews, impersonate users,
groups and serviceaccounts, and list/watch Flotilla's objects and events.`,
		Example: "  flotilla console --addr 127.0.0.1:8090 --audit-dir /var/lib/flotilla/audit",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if addr == "" {
				return &options.UsageError{Err: errors.New("--addr is required, e.g. --addr 127.0.0.1:8090")}
			}
			if logFormat != "text" && logFormat != "json" {
				return &options.UsageError{Err: fmt.Errorf("--log-format must be text or json, got %s", logFormat)}
			}
			log := zap.New(zap.UseDevMode(logFormat == "text"), zap.WriteTo(g.ErrOut))
			ctrl.SetLogger(log)
			cfg, err := g.RESTConfig()
			if err != nil {
				return err
			}
			o := consoleserver.Options{Addr: addr, CertDir: certDir, Log: log}
			ctx := cmd.Context()
			errc := make(chan error, 3)
			if metricsAddr != "0" {
				go func() { errc <- serveMetrics(ctx, metricsAddr) }()
			}
			if auditDir != "" {
				t, err := audit.OpenLocal(auditDir, audit.Retention{}, log.WithName("audit"))
				if err != nil {
					return fmt.Errorf("--audit-dir: %w", err)
				}
				go func() { errc <- t.Start(ctx) }()
				o.Audit = t
			}
			srv, err := consoleserver.New(cfg, o)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.Out, "console serving on %s\n", addr)
			go func() { errc <- srv.Start(ctx) }()
			return <-errc
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "", "listen address, e.g. 127.0.0.1:8090")
	f.StringVar(&certDir, "cert-dir", "", "directory holding tls.crt and tls.key; empty serves plain HTTP (keep it on loopback)")
	f.StringVar(&auditDir, "audit-dir", "", "keep the audit trail in this directory")
	f.StringVar(&logFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&metricsAddr, "metrics-bind-address", "0", "serve Prometheus metrics (flotilla_console_*, flotilla_audit_*) at /metrics on this address, e.g. 127.0.0.1:8082; 0 serves none")
	return cmd
}

// serveMetrics serves the process's metrics (controller-runtime's registry, where the console
// and the audit trail register theirs) at /metrics until ctx ends.
func serveMetrics(ctx context.Context, addr string) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(crmetrics.Registry, promhttp.HandlerOpts{}))
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics on %s: %w", addr, err)
	}
	return nil
}
