package federation_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/devfleet/binaries"
	"flotilla.dev/flotilla/internal/federation"
	"flotilla.dev/flotilla/internal/fleet"
	"flotilla.dev/flotilla/internal/fleet/join"
	"flotilla.dev/flotilla/internal/platform/scheme"
	"flotilla.dev/flotilla/test/netfault"
	"flotilla.dev/flotilla/test/poll"
)

// fleetEnv is a hub and its members, each a real kube-apiserver and etcd, with the fleet and
// federation controllers running against the hub.
type fleetEnv struct {
	hub client.Client
	// hubKubeconfig is an admin kubeconfig file for the hub, for the CLI.
	hubKubeconfig string
	members       map[string]client.Client
	// links carry the hub's traffic to each member; cutting one makes the member unreachable.
	links map[string]*netfault.Link
}

// startAPIServer starts one API server in dir and returns an admin REST config and kubeconfig. It runs on any goroutine, so it reports errors instead of failing the test.
func startAPIServer(t *testing.T, dir string, hub bool) (*rest.Config, []byte, error) {
	env := &envtest.Environment{BinaryAssetsDirectory: dir, Scheme: scheme.Scheme}
	if hub {
		_, file, _, _ := runtime.Caller(0)
		env.CRDDirectoryPaths = []string{filepath.Join(filepath.Dir(file), "..", "..", "config", "crd", "bases")}
		env.ErrorIfCRDPathMissing = true
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, nil, fmt.Errorf("starting envtest: %w", err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	user, err := env.AddUser(envtest.User{Name: "flotilla-hub", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return nil, nil, err
	}
	kc, err := user.KubeConfig()
	return cfg, kc, err
}

// startFleet starts a hub and the named members (in parallel), joins them, and runs the
// controllers. Each member gets one Ready node with 8 CPUs.
func startFleet(t *testing.T, names ...string) *fleetEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: starts kube-apiservers and etcds (run without -short)")
	}
	dir, err := binaries.DefaultPins.Find()
	if err != nil {
		t.Skipf("integration test needs the pinned binaries: %v", err)
	}
	ctx := context.Background()
	cfgs := make([]*rest.Config, len(names)+1)
	kcs := make([][]byte, len(names)+1)
	var wg sync.WaitGroup
	for i := range cfgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if cfgs[i], kcs[i], err = startAPIServer(t, dir, i == 0); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	env := &fleetEnv{hub: newClient(t, cfgs[0]), members: map[string]client.Client{}, links: map[string]*netfault.Link{}}
	env.hubKubeconfig = filepath.Join(t.TempDir(), "hub.kubeconfig")
	if err := os.WriteFile(env.hubKubeconfig, kcs[0], 0o600); err != nil {
		t.Fatal(err)
	}
	startControllers(t, cfgs[0])
	for i, name := range names {
		m := newClient(t, cfgs[i+1])
		env.members[name] = m
		addNode(ctx, t, m, name+"-node")
		u, err := url.Parse(cfgs[i+1].Host)
		if err != nil {
			t.Fatal(err)
		}
		env.links[name] = netfault.NewLink(t, u.Host)
		kc := redirect(t, kcs[i+1], "https://"+env.links[name].Addr())
		if _, err := join.Join(ctx, env.hub, join.Options{Name: name, Kubeconfig: kc}); err != nil {
			t.Fatalf("joining %s: %v", name, err)
		}
	}
	for _, name := range names {
		poll.Until(t, 30*time.Second, func() error { return memberReady(ctx, env.hub, name) })
	}
	return env
}

func startControllers(t *testing.T, hubCfg *rest.Config) {
	t.Helper()
	logs := &lockedWriter{}
	log := funcr.New(func(prefix, args string) { logs.write(prefix + " " + args + "\n") }, funcr.Options{Verbosity: 1})
	mgr, err := ctrl.NewManager(hubCfg, ctrl.Options{
		Scheme: scheme.Scheme, Logger: log, Metrics: metricsserver.Options{BindAddress: "0"},
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := fleet.Setup(mgr, fleet.Options{
		ProbeInterval: 200 * time.Millisecond, ProbeTimeout: time.Second, MaxProbeBackoff: 500 * time.Millisecond,
		Thresholds: fleet.Thresholds{Failure: 2 * time.Second, Success: time.Second}, StatusRefreshInterval: time.Second,
		Registerer: prometheus.NewRegistry(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := federation.Setup(mgr, reg, federation.Options{PendingRetry: time.Second}); err != nil {
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
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("controller logs:\n%s", logs.String())
		}
	})
}

type lockedWriter struct {
	mu  sync.Mutex
	buf []byte
}

func (w *lockedWriter) write(s string) { w.mu.Lock(); w.buf = append(w.buf, s...); w.mu.Unlock() }
func (w *lockedWriter) String() string { w.mu.Lock(); defer w.mu.Unlock(); return string(w.buf) }

func newClient(t *testing.T, cfg *rest.Config) client.Client {
	t.Helper()
	c, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func addNode(ctx context.Context, t *testing.T, c client.Client, name string) {
	t.Helper()
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := c.Create(ctx, n); err != nil {
		t.Fatal(err)
	}
	res := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("8"), corev1.ResourceMemory: resource.MustParse("16Gi"),
		corev1.ResourcePods: resource.MustParse("110")}
	n.Status = corev1.NodeStatus{Capacity: res, Allocatable: res, Conditions: []corev1.NodeCondition{{
		Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "Test", LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}}}
	if err := c.Status().Update(ctx, n); err != nil {
		t.Fatal(err)
	}
	// The API server taints new nodes not-ready; the node lifecycle controller, absent here,
	// would lift the taint once the node reports Ready.
	n.Spec.Taints = nil
	if err := c.Update(ctx, n); err != nil {
		t.Fatal(err)
	}
}

func memberReady(ctx context.Context, hub client.Client, name string) error {
	var mc flotillav1alpha1.MemberCluster
	if err := hub.Get(ctx, client.ObjectKey{Name: name}, &mc); err != nil {
		return err
	}
	if !meta.IsStatusConditionTrue(mc.Status.Conditions, flotillav1alpha1.ConditionReady) {
		return fmt.Errorf("member %s not Ready: %+v", name, mc.Status.Conditions)
	}
	return nil
}

func memberNotReady(ctx context.Context, hub client.Client, name string) error {
	if memberReady(ctx, hub, name) == nil {
		return fmt.Errorf("member %s is still Ready", name)
	}
	return nil
}

// redirect points every cluster of a kubeconfig at server.
func redirect(t *testing.T, kubeconfig []byte, server string) []byte {
	t.Helper()
	cfg, err := clientcmd.Load(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cfg.Clusters {
		c.Server = server
	}
	out, err := clientcmd.Write(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
