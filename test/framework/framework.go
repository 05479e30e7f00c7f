// Package framework runs the local fleet for a test package: integration and end-to-end test
// packages call Main from their TestMain, which starts a hub and members once in a temporary
// home, runs the tests, and removes the fleet at exit. Tests reach the fleet and its clusters
// through Fleet, HubClient and MemberClient, and with Options.Traffic the fleet's Prometheus
// through PrometheusURL and Query.
//
// Under -short nothing is started and every test that asks for the fleet is skipped. The
// fleet's processes are tied to the test binary (they get SIGKILL when it dies), so a panic, a
// -timeout or a kill does not leave API servers behind. FLOTILLA_E2E_KEEP=1 keeps the fleet's
// folder (logs, kubeconfigs) after the run for debugging.
package framework

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/devfleet"
	"flotilla.dev/flotilla/internal/devfleet/binaries"
	"flotilla.dev/flotilla/internal/platform/scheme"
	"flotilla.dev/flotilla/test/poll"
)

// EnvKeep keeps the fleet's folder after the tests when set to 1.
const EnvKeep = "FLOTILLA_E2E_KEEP"

// Options configure the fleet of a test package.
type Options struct {
	// Members is the number of member clusters; 0 means 3.
	Members int
	// ExtraStages are KWOK stages added on every member (e.g. a version that never gets ready).
	ExtraStages [][]byte
	// AfterUp runs once the fleet is up, before the tests (e.g. join members, start controllers).
	// Its context ends when the start completes (or StartTimeout passes): anything that must
	// run during the tests needs a context of its own.
	AfterUp func(ctx context.Context, f *devfleet.Fleet) error
	// StartTimeout bounds building binaries (when needed) and starting the fleet; 0 means 15 min.
	StartTimeout time.Duration
	// Traffic runs the sample traffic generator for the members' pods in the test process and
	// Prometheus as a process of the fleet, scraping it every second (as `flotilla dev up`
	// does); PrometheusURL and Query reach it. Off by default: it costs a few seconds and
	// ~100 MiB.
	Traffic bool
}

// current is the fleet of this test binary; set by Main before any test runs.
var current *devfleet.Fleet

// Main starts the fleet, runs the tests and tears the fleet down, returning the exit code for
// os.Exit. Use it as:
//
//	func TestMain(m *testing.M) { os.Exit(framework.Main(m, framework.Options{Members: 3})) }
func Main(m *testing.M, opts Options) int {
	flag.Parse()
	if testing.Short() {
		fmt.Fprintln(os.Stderr, "framework: -short: not starting the local fleet; tests that need it are skipped")
		return m.Run()
	}
	if opts.Members == 0 {
		opts.Members = 3
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 15 * time.Minute
	}
	home, err := os.MkdirTemp("", "flotilla-fleet-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "framework: %v\n", err)
		return 1
	}
	stop := teardownOnSignal(home)
	defer stop()
	defer teardown(home)
	f, err := start(home, opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "framework: starting the local fleet failed: %v\n", err)
		return 1
	}
	current = f
	defer stopTraffic() // before the teardown, so its watches do not complain of stopped members
	return m.Run()
}

func start(home string, opts Options) (*devfleet.Fleet, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opts.StartTimeout)
	defer cancel()
	dir, err := binaries.Ensure(ctx, binaries.DefaultPins, os.Stderr)
	if err != nil {
		return nil, err
	}
	f, err := devfleet.Up(ctx, devfleet.Options{
		Home: home, Members: opts.Members, BinariesDir: dir, Out: prefixed{}, AfterUp: opts.AfterUp,
		ExtraStages: opts.ExtraStages, StopWithParent: true,
	})
	if err != nil || !opts.Traffic {
		return f, err
	}
	return f, startTraffic(ctx, f)
}

// prefixed writes the fleet's progress lines to stderr, marked as the framework's.
type prefixed struct{}

func (prefixed) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		fmt.Fprintf(os.Stderr, "framework: %s\n", line)
	}
	return len(p), nil
}

func teardown(home string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	keep := os.Getenv(EnvKeep) == "1"
	if err := devfleet.Down(ctx, home, keep); err != nil {
		fmt.Fprintf(os.Stderr, "framework: stopping the local fleet: %v\n", err)
	}
	if keep {
		fmt.Fprintf(os.Stderr, "framework: %s=1: the fleet's folder stays in %s\n", EnvKeep, home)
		return
	}
	_ = os.RemoveAll(home)
}

// teardownOnSignal removes the fleet when the test binary is interrupted.
func teardownOnSignal(home string) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			fmt.Fprintf(os.Stderr, "framework: %v: removing the local fleet\n", sig)
			teardown(home)
			os.Exit(1)
		case <-done:
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

// Fleet returns the package's fleet, skipping the test under -short.
func Fleet(t testing.TB) *devfleet.Fleet {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the local fleet (API servers): skipped in -short mode")
	}
	if current == nil {
		t.Fatal("no local fleet: call framework.Main from the package's TestMain")
	}
	return current
}

// RESTConfig returns an admin configuration for the named cluster ("hub" or "member-N").
func RESTConfig(t testing.TB, cluster string) *rest.Config {
	t.Helper()
	c, err := Fleet(t).Cluster(cluster)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := c.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Client returns an admin client for the named cluster that knows built-in and Flotilla types.
func Client(t testing.TB, cluster string) client.Client {
	t.Helper()
	cl, err := client.New(RESTConfig(t, cluster), client.Options{Scheme: scheme.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// HubClient returns an admin client for the hub.
func HubClient(t testing.TB) client.Client { t.Helper(); return Client(t, devfleet.RoleHub) }

// MemberClient returns an admin client for the named member.
func MemberClient(t testing.TB, name string) client.Client { t.Helper(); return Client(t, name) }

// MemberClients returns an admin client for every member, by name.
func MemberClients(t testing.TB) map[string]client.Client {
	t.Helper()
	out := map[string]client.Client{}
	for _, m := range Fleet(t).Members {
		out[m.Name] = Client(t, m.Name)
	}
	return out
}

// Eventually calls check until it returns nil, failing the test with the last error when
// timeout passes (see package poll).
func Eventually(t testing.TB, timeout time.Duration, check func() error) {
	t.Helper()
	poll.Until(t, timeout, check)
}

// WebApplication is an Application of one Deployment named name: replicas pods with the label
// app=name and one container "web" running example.com/NAME:v1 with resources rr and the pod
// annotations, divided over the members by free capacity.
func WebApplication(t testing.TB, ns, name string, replicas int32, rr corev1.ResourceRequirements, annotations map[string]string) *flotillav1alpha1.Application {
	t.Helper()
	labels := map[string]string{"app": name}
	dep := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: annotations},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "example.com/" + name + ":v1", Resources: rr}}}}},
	}
	raw, err := json.Marshal(dep)
	if err != nil {
		t.Fatal(err)
	}
	return &flotillav1alpha1.Application{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: flotillav1alpha1.ApplicationSpec{
			Resources: []flotillav1alpha1.Manifest{{RawExtension: runtime.RawExtension{Raw: raw}}},
			Placement: flotillav1alpha1.Placement{ReplicaScheduling: flotillav1alpha1.ReplicaScheduling{
				Type: flotillav1alpha1.ReplicaSchedulingDivided, Division: flotillav1alpha1.ReplicaDivisionAvailableCapacity}},
		},
	}
}
