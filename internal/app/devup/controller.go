package devup

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"flotilla.dev/flotilla/internal/devfleet"
)

// ControllerComponent is the name of the hub controller process in the fleet.
const ControllerComponent = "flotilla-controller"

// startController runs `flotilla controller` against the hub as a process of the fleet, so that
// `dev status` shows it and `dev down` stops it. The binary is this executable.
func startController(ctx context.Context, f *devfleet.Fleet, out io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the flotilla executable to run the controller: %w", err)
	}
	hubKubeconfig := f.Hub.KubeconfigPath
	err = f.EnsureHubProcess(ctx, devfleet.HubProcess{
		Name:   ControllerComponent,
		Binary: self,
		Args: func(health, metrics int) []string {
			return []string{
				"controller", "--kubeconfig", hubKubeconfig,
				"--health-probe-bind-address", "127.0.0.1:" + strconv.Itoa(health),
				"--metrics-bind-address", "127.0.0.1:" + strconv.Itoa(metrics),
			}
		},
	})
	if err != nil {
		return fmt.Errorf("starting the hub controller: %w", err)
	}
	fmt.Fprintln(out, "the hub controller is running")
	return nil
}
