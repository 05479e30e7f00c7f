package devup

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"flotilla.dev/flotilla/internal/devfleet"
)

// ControllerComponent is the name of the hub controller process in the fleet.
const ControllerComponent = "flotilla-controller"

// webhookCertName is the subject of the webhook server's serving certificate.
const webhookCertName = "flotilla-controller-webhook"

// controllerEndpoint is how the hub reaches the running controller's webhook server.
type controllerEndpoint struct {
	// webhookPort is the HTTPS port on 127.0.0.1.
	webhookPort int
	// caBundle is the PEM certificate authority that signed the serving certificate.
	caBundle []byte
}

// startController runs `flotilla controller` against the hub as a process of the fleet, so that
// `dev status` shows it and `dev down` stops it. The binary is this executable. The controller
// serves the Application admission webhook on 127.0.0.1 with a certificate signed by the hub's
// certificate authority, kept in <hub>/webhook.
func startController(ctx context.Context, f *devfleet.Fleet, out io.Writer) (controllerEndpoint, error) {
	self, err := os.Executable()
	if err != nil {
		return controllerEndpoint{}, fmt.Errorf("finding the flotilla executable to run the controller: %w", err)
	}
	certDir := filepath.Join(f.Hub.Dir, "webhook")
	ca, err := f.IssueServingCert(webhookCertName, certDir)
	if err != nil {
		return controllerEndpoint{}, fmt.Errorf("issuing the webhook's serving certificate: %w", err)
	}
	if f.Hub.ConsolePort == 0 {
		return controllerEndpoint{}, fmt.Errorf("the fleet in %s was created before the console existed: run 'flotilla dev down' and 'flotilla dev up'", f.Home)
	}
	hubKubeconfig := f.Hub.KubeconfigPath
	consoleAddr := "127.0.0.1:" + strconv.Itoa(f.Hub.ConsolePort)
	auditDir := filepath.Join(f.Hub.Dir, "audit")
	err = f.EnsureHubProcess(ctx, devfleet.HubProcess{
		Name:       ControllerComponent,
		Binary:     self,
		ExtraPorts: 1,
		Args: func(health, metrics int, extra ...int) []string {
			return []string{
				"controller", "--kubeconfig", hubKubeconfig,
				"--health-probe-bind-address", "127.0.0.1:" + strconv.Itoa(health),
				"--metrics-bind-address", "127.0.0.1:" + strconv.Itoa(metrics),
				"--webhook-host", "127.0.0.1", "--webhook-port", strconv.Itoa(extra[0]),
				"--webhook-cert-dir", certDir,
				"--console-addr", consoleAddr, "--audit-dir", auditDir,
				"--console-ingest-addr", f.AuditIngestAddr(), "--console-ingest-cert-dir", certDir,
			}
		},
	})
	if err != nil {
		return controllerEndpoint{}, fmt.Errorf("starting the hub controller: %w", err)
	}
	comp, _ := f.Hub.Component(ControllerComponent)
	fmt.Fprintln(out, "the hub controller is running")
	return controllerEndpoint{webhookPort: comp.Ports[2], caBundle: ca}, nil
}
