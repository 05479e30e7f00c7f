package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	appcontroller "flotilla.dev/flotilla/internal/app/controller"
	"flotilla.dev/flotilla/internal/devfleet"
	"flotilla.dev/flotilla/internal/fleet/join"
	"flotilla.dev/flotilla/internal/platform/scheme"
)

// Health thresholds of the hub controller in these tests: short, so that losing and regaining
// a member is seen in seconds, yet long enough that a 1 s probe blip changes nothing.
const (
	probeInterval    = time.Second
	failureThreshold = 6 * time.Second
	successThreshold = 4 * time.Second
)

// startHub joins every member through the same code as `flotilla join` and runs the hub
// controllers in this process for the rest of the test binary, logging to the fleet's folder.
func startHub(ctx context.Context, f *devfleet.Fleet) error {
	cfg, err := f.Hub.RESTConfig()
	if err != nil {
		return err
	}
	hub, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		return err
	}
	for _, m := range f.Members {
		if _, err := join.Join(ctx, hub, join.Options{Name: m.Name, KubeconfigPath: m.KubeconfigPath, Region: m.Region, Zone: m.Zone}); err != nil {
			return fmt.Errorf("joining %s: %w", m.Name, err)
		}
	}
	logFile, err := os.Create(filepath.Join(f.Home, "flotilla-controller.log"))
	if err != nil {
		return err
	}
	log := zap.New(zap.UseDevMode(true), zap.WriteTo(logFile))
	ctrl.SetLogger(log)
	o := appcontroller.DefaultOptions()
	o.MetricsAddr, o.ProbeAddr = "0", "0"
	o.ClusterProbeInterval, o.ClusterFailureThreshold, o.ClusterSuccessThreshold = probeInterval, failureThreshold, successThreshold
	mgr, err := appcontroller.NewManager(cfg, o, log)
	if err != nil {
		return err
	}
	go func() {
		if err := mgr.Start(context.Background()); err != nil {
			fmt.Fprintf(os.Stderr, "hub controller stopped: %v\n", err)
		}
	}()
	return nil
}
