// Package metrics holds the end-to-end test of the controller's observability: a hub and two
// members, `flotilla controller` running as a process of the fleet with its metrics endpoint,
// JSON logs, the console and an audit trail. The test drives every capability a little and
// checks that the endpoint exposes every metric docs/observability.md documents; a pure test
// checks that the Grafana dashboard queries only documented metrics.
package metrics

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/internal/app/devup"
	"flotilla.dev/flotilla/internal/devfleet"
	"flotilla.dev/flotilla/internal/platform/scheme"
	"flotilla.dev/flotilla/test/framework"
)

// controllerName is the hub process running `flotilla controller`.
const controllerName = "flotilla-controller"

func TestMain(m *testing.M) {
	os.Exit(framework.Main(m, framework.Options{Members: 2, AfterUp: startController}))
}

// startController builds flotilla, joins the members and runs the controller as a process of
// the fleet, as `dev up` does: metrics on the second of its ports, the console on the fleet's
// console port, the audit trail in <hub>/audit, the hub's audit webhook taken over TLS, and
// logs in JSON.
func startController(ctx context.Context, f *devfleet.Fleet) error {
	bin := filepath.Join(f.Home, "flotilla")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "flotilla.dev/flotilla/cmd/flotilla")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building flotilla: %w\n%s", err, out)
	}
	if err := framework.JoinMembers(ctx, f); err != nil {
		return err
	}
	cfg, err := f.Hub.RESTConfig()
	if err != nil {
		return err
	}
	hub, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		return err
	}
	if err := devup.EnsureConsoleAccess(ctx, hub); err != nil { // the hub's audit webhook may send records
		return err
	}
	certDir := filepath.Join(f.Hub.Dir, "console-ingest")
	if _, err := f.IssueServingCert("flotilla-console-ingest", certDir); err != nil {
		return err
	}
	kubeconfig := f.Hub.KubeconfigPath
	console := "127.0.0.1:" + strconv.Itoa(f.Hub.ConsolePort)
	auditDir := filepath.Join(f.Hub.Dir, "audit")
	return f.EnsureHubProcess(ctx, devfleet.HubProcess{
		Name: controllerName, Binary: bin,
		Args: func(health, metrics int, _ ...int) []string {
			return []string{"controller", "--kubeconfig", kubeconfig, "--log-format", "json",
				"--health-probe-bind-address", "127.0.0.1:" + strconv.Itoa(health),
				"--metrics-bind-address", "127.0.0.1:" + strconv.Itoa(metrics),
				"--console-addr", console, "--audit-dir", auditDir,
				"--console-ingest-addr", f.AuditIngestAddr(), "--console-ingest-cert-dir", certDir,
				"--cluster-probe-interval", "1s", "--cluster-failure-threshold", "6s", "--cluster-success-threshold", "4s"}
		},
	})
}
