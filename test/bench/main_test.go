// Package bench holds the fleet benchmarks of the federation: propagation latency from a hub
// change to every member, and a thousand Applications converging with the controller's memory
// and member write rate beside the member API server's measured write ceiling.
//
// TestMain starts a real local fleet (hub + 3 members, KWOK nodes) and runs the hub controllers
// in this process, so the process's memory is the controller's plus the benchmark's own clients.
// Each benchmark does a fixed amount of work whatever b.N is and reports with b.ReportMetric;
// run them with
//
//	go test ./test/bench/ -run '^$' -bench . -benchtime 1x -timeout 60m
//
// FLOTILLA_BENCH_CHANGES (default 200) and FLOTILLA_BENCH_APPS (default 1000) set the sizes.
// Under -short nothing is started and every benchmark is skipped.
package bench

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/devfleet"
	"flotilla.dev/flotilla/internal/platform/scheme"
	"flotilla.dev/flotilla/test/framework"
)

func TestMain(m *testing.M) {
	flag.Parse()
	if b := flag.Lookup("test.bench"); b == nil || b.Value.String() == "" {
		// This package holds only benchmarks: without -bench (e.g. in `go test ./...`) there is
		// nothing to run, so no fleet is started.
		os.Exit(m.Run())
	}
	os.Exit(framework.Main(m, framework.Options{Members: 3, AfterUp: framework.StartHub(framework.HubOptions{})}))
}

// envInt reads a positive integer from the environment, def when unset.
func envInt(tb testing.TB, name string, def int) int {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		tb.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// hubClient returns a hub client that is not throttled by the client side.
func hubClient(tb testing.TB) client.Client {
	tb.Helper()
	cfg := framework.RESTConfig(tb, devfleet.RoleHub)
	cfg.QPS, cfg.Burst = 1000, 2000
	cl, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		tb.Fatal(err)
	}
	return cl
}

// memberClientset returns a client-go clientset for a member, not throttled by the client side.
func memberClientset(tb testing.TB, name string) *kubernetes.Clientset {
	tb.Helper()
	cfg := framework.RESTConfig(tb, name)
	cfg.QPS, cfg.Burst = 2000, 4000
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return cs
}

// waitMembersReady waits until every member is Ready in the hub, so a benchmark starts on a
// settled fleet.
func waitMembersReady(tb testing.TB, hub client.Client) {
	tb.Helper()
	framework.Eventually(tb, 2*time.Minute, func() error {
		for _, m := range framework.Fleet(tb).Members {
			mc := &flotillav1alpha1.MemberCluster{}
			if err := hub.Get(context.Background(), client.ObjectKey{Name: m.Name}, mc); err != nil {
				return err
			}
			if !meta.IsStatusConditionTrue(mc.Status.Conditions, flotillav1alpha1.ConditionReady) {
				return fmt.Errorf("%s is not Ready yet", m.Name)
			}
		}
		return nil
	})
}

// percentile returns the q-quantile (nearest rank) of durations, in milliseconds.
func percentile(d []time.Duration, q float64) float64 {
	if len(d) == 0 {
		return math.NaN()
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(math.Ceil(q*float64(len(s)))) - 1
	i = max(0, min(i, len(s)-1))
	return float64(s[i].Microseconds()) / 1000
}

// load1 is the one-minute load average of the machine.
func load1() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return math.NaN()
	}
	f, err := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

// rssMiB is this process's resident set size (VmRSS) in MiB.
func rssMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return math.NaN()
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return math.NaN()
}

// heapMiB is the Go heap in use (HeapInuse) in MiB.
func heapMiB() float64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapInuse) / (1 << 20)
}

// scrapeRequests reads a member API server's apiserver_request_total: server-side applies (only
// Flotilla applies to members), all writes, and all requests so far.
func scrapeRequests(ctx context.Context, cs *kubernetes.Clientset) (requestCounts, error) {
	var c requestCounts
	raw, err := cs.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return c, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(line, "apiserver_request_total{") {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			continue
		}
		c.all += v
		for _, verb := range []string{"APPLY", "POST", "PUT", "PATCH", "DELETE", "DELETECOLLECTION"} {
			if strings.Contains(line, `verb="`+verb+`"`) {
				c.writes += v
				if verb == "APPLY" {
					c.applies += v
				}
			}
		}
	}
	return c, nil
}

// conditionTrue reports whether an Application's condition is True for its current generation.
func conditionTrue(app *flotillav1alpha1.Application, typ string) bool {
	c := meta.FindStatusCondition(app.Status.Conditions, typ)
	return c != nil && c.Status == metav1.ConditionTrue && app.Status.ObservedGeneration == app.Generation
}
