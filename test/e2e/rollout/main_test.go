// Package rollout holds the end-to-end tests of progressive rollouts: a hub and three members,
// the hub controller running as its own process (so a test can kill it), the sample traffic
// generator and Prometheus for PromQL analysis.
package rollout

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"flotilla.dev/flotilla/internal/devfleet"
	"flotilla.dev/flotilla/test/framework"
)

// controllerName is the hub process running `flotilla controller`.
const controllerName = "flotilla-controller"

func TestMain(m *testing.M) {
	os.Exit(framework.Main(m, framework.Options{Members: 3, Traffic: true, AfterUp: startController}))
}

// startController builds the flotilla binary, joins the members and runs the controller as a
// process of the fleet with short member probes.
func startController(ctx context.Context, f *devfleet.Fleet) error {
	bin := filepath.Join(f.Home, "flotilla")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "flotilla.dev/flotilla/cmd/flotilla")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building flotilla: %w\n%s", err, out)
	}
	if err := framework.JoinMembers(ctx, f); err != nil {
		return err
	}
	kubeconfig := f.Hub.KubeconfigPath
	return f.EnsureHubProcess(ctx, devfleet.HubProcess{
		Name: controllerName, Binary: bin,
		Args: func(health, metrics int, _ ...int) []string {
			return []string{"controller", "--kubeconfig", kubeconfig,
				"--health-probe-bind-address", "127.0.0.1:" + strconv.Itoa(health),
				"--metrics-bind-address", "127.0.0.1:" + strconv.Itoa(metrics),
				"--cluster-probe-interval", "1s", "--cluster-failure-threshold", "6s", "--cluster-success-threshold", "4s"}
		},
	})
}
