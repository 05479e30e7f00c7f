package framework

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	appcontroller "flotilla.dev/flotilla/internal/app/controller"
	"flotilla.dev/flotilla/internal/app/devup"
	"flotilla.dev/flotilla/internal/devfleet"
	"flotilla.dev/flotilla/internal/platform/scheme"
)

// HubOptions tune the hub controllers a test package runs in-process.
type HubOptions struct {
	// ProbeInterval, FailureThreshold and SuccessThreshold set member health probing;
	// zero values mean 1 s, 6 s and 4 s: short, so losing a member is seen in seconds.
	ProbeInterval, FailureThreshold, SuccessThreshold time.Duration
	// TuningCheckpointInterval is how often usage profiles are saved (zero: the default).
	TuningCheckpointInterval time.Duration
	// Console serves the console on the fleet's console port (Fleet.ConsoleURL) with an audit
	// trail in <fleet home>/audit, and gives the hub's token identities their roles, as
	// `dev up` does.
	Console bool
}

// StartHub returns an AfterUp hook that joins every member through the same code as
// `flotilla join` and runs the hub controllers in the test process until it exits, logging to
// <fleet home>/flotilla-controller.log.
func StartHub(o HubOptions) func(ctx context.Context, f *devfleet.Fleet) error {
	if o.ProbeInterval == 0 {
		o.ProbeInterval = time.Second
	}
	if o.FailureThreshold == 0 {
		o.FailureThreshold = 6 * time.Second
	}
	if o.SuccessThreshold == 0 {
		o.SuccessThreshold = 4 * time.Second
	}
	return func(ctx context.Context, f *devfleet.Fleet) error {
		if err := JoinMembers(ctx, f); err != nil {
			return err
		}
		cfg, err := f.Hub.RESTConfig()
		if err != nil {
			return err
		}
		logFile, err := os.Create(filepath.Join(f.Home, "flotilla-controller.log"))
		if err != nil {
			return err
		}
		log := zap.New(zap.UseDevMode(true), zap.WriteTo(logFile))
		ctrl.SetLogger(log)
		co := appcontroller.DefaultOptions()
		co.MetricsAddr, co.ProbeAddr = "0", "0"
		co.ClusterProbeInterval, co.ClusterFailureThreshold, co.ClusterSuccessThreshold = o.ProbeInterval, o.FailureThreshold, o.SuccessThreshold
		if o.Console {
			hub, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
			if err != nil {
				return err
			}
			if err := devup.EnsureConsoleAccess(ctx, hub); err != nil {
				return err
			}
			co.ConsoleAddr = "127.0.0.1:" + strconv.Itoa(f.Hub.ConsolePort)
			co.AuditDir = filepath.Join(f.Home, "audit")
			certDir := filepath.Join(f.Hub.Dir, "console-ingest")
			if _, err := f.IssueServingCert("flotilla-console-ingest", certDir); err != nil {
				return err
			}
			co.ConsoleIngestAddr, co.ConsoleIngestCertDir = f.AuditIngestAddr(), certDir
		}
		if o.TuningCheckpointInterval > 0 {
			co.TuningCheckpointInterval = o.TuningCheckpointInterval
		}
		mgr, err := appcontroller.NewManager(cfg, co, log)
		if err != nil {
			return err
		}
		go func() { //nolint:gosec // the controllers outlive AfterUp's context: they run until the test binary exits
			if err := mgr.Start(context.Background()); err != nil {
				fmt.Fprintf(os.Stderr, "framework: hub controller stopped: %v\n", err)
			}
		}()
		return nil
	}
}

// JoinMembers joins every member of f to its hub through the same code as `flotilla join`.
func JoinMembers(ctx context.Context, f *devfleet.Fleet) error {
	cfg, err := f.Hub.RESTConfig()
	if err != nil {
		return err
	}
	hub, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		return err
	}
	return devup.JoinMembers(ctx, hub, f, io.Discard)
}
