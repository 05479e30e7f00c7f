package fleet_test

import (
	"bytes"
	"context"
	"io"
	"net"
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

// switchProxy forwards TCP to a target until it is switched off; then it refuses (closes)
// every connection, like a member whose API server died, until it is switched on again.
type switchProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	off    bool
	conns  map[net.Conn]struct{}
}

func newSwitchProxy(t *testing.T, target string) *switchProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &switchProxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	t.Cleanup(func() { _ = ln.Close(); p.set(true) })
	go p.serve()
	return p
}

func (p *switchProxy) addr() string { return p.ln.Addr().String() }

func (p *switchProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.off {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		p.conns[c] = struct{}{}
		p.mu.Unlock()
		go p.pipe(c)
	}
}

func (p *switchProxy) pipe(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = c.Close()
		return
	}
	p.mu.Lock()
	p.conns[up] = struct{}{}
	p.mu.Unlock()
	go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
	_, _ = io.Copy(c, up)
	_ = c.Close()
}

// set switches the proxy off (dropping every open connection) or on.
func (p *switchProxy) set(off bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.off = off
	if off {
		for c := range p.conns {
			_ = c.Close()
		}
		p.conns = map[net.Conn]struct{}{}
	}
}

// ctrlConfigSkipNameValidation lets several tests in one process each run a "membercluster"
// controller.
func ctrlConfigSkipNameValidation() config.Controller {
	return config.Controller{SkipNameValidation: ptr.To(true)}
}
