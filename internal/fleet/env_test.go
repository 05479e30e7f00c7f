package fleet_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"flotilla.dev/flotilla/internal/devfleet/binaries"
	"flotilla.dev/flotilla/internal/fleet"
	"flotilla.dev/flotilla/internal/platform/scheme"
)

func TestMain(m *testing.M) {
	// envtest and controller-runtime log through the global logger; the tests that check logs
	// capture the manager's own logger instead.
	ctrl.SetLogger(logr.Discard())
	os.Exit(m.Run())
}

// startEnv starts a real kube-apiserver and etcd (envtest); the hub gets Flotilla's CRDs.
func startEnv(t *testing.T, hub bool) (*envtest.Environment, *rest.Config) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: starts kube-apiserver and etcd (run without -short)")
	}
	dir, err := binaries.DefaultPins.Find()
	if err != nil {
		t.Skipf("integration test needs the pinned binaries: %v", err)
	}
	env := &envtest.Environment{BinaryAssetsDirectory: dir, Scheme: scheme.Scheme}
	if hub {
		_, file, _, _ := runtime.Caller(0)
		env.CRDDirectoryPaths = []string{filepath.Join(filepath.Dir(file), "..", "..", "config", "crd", "bases")}
		env.ErrorIfCRDPathMissing = true
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("starting envtest: %v", err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	return env, cfg
}

// syncBuffer is a log sink shared by the manager's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startFleet runs a manager with the fleet against the hub, logging everything into logs.
func startFleet(t *testing.T, hubCfg *rest.Config, opts fleet.Options, logs io.Writer) *fleet.Registry {
	t.Helper()
	log := funcr.New(func(prefix, args string) { _, _ = io.WriteString(logs, prefix+" "+args+"\n") }, funcr.Options{Verbosity: 10})
	mgr, err := ctrl.NewManager(hubCfg, ctrl.Options{
		Scheme: scheme.Scheme, Logger: log, Metrics: metricsserver.Options{BindAddress: "0"},
		Controller: ctrlConfigSkipNameValidation(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if opts.Registerer == nil {
		opts.Registerer = prometheus.NewRegistry()
	}
	reg, err := fleet.Setup(mgr, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(logr.NewContext(context.Background(), log))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(ctx); err != nil {
			t.Errorf("manager: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return reg
}

func hubClient(t *testing.T, cfg *rest.Config) client.Client {
	t.Helper()
	c, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fastOptions probe often and use small thresholds so the tests run in seconds.
func fastOptions() fleet.Options {
	return fleet.Options{
		ProbeInterval: 200 * time.Millisecond, ProbeTimeout: time.Second, MaxProbeBackoff: 500 * time.Millisecond,
		Thresholds: fleet.Thresholds{Failure: 2 * time.Second, Success: 2 * time.Second}, StatusRefreshInterval: time.Second,
	}
}

// ctrlConfigSkipNameValidation lets several tests in one process each run a "membercluster"
// controller.
func ctrlConfigSkipNameValidation() config.Controller {
	return config.Controller{SkipNameValidation: ptr.To(true)}
}
