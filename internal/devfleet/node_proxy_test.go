package devfleet

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"

	"flotilla.dev/flotilla/internal/devfleet/usage"
)

// TestNodeProxyServesKubeletMetrics reads a node's resource metrics through the member API
// server's node proxy, as a client reads a real kubelet's: GET
// /api/v1/nodes/<node>/proxy/metrics/nodes/<node>/metrics/resource reaches kwok, the kubelet of
// every simulated node, and answers the pod's annotated memory usage.
func TestNodeProxyServesKubeletMetrics(t *testing.T) {
	t.Parallel() // it mostly waits for the member to start
	ctx, f, cl := upOneMember(t, 60*time.Second)
	const memory = "48Mi"
	if err := cl.Create(ctx, simPod("proxied", memory, nil, "")); err != nil {
		t.Fatal(err)
	}
	pod := waitForPod(ctx, t, cl, "proxied", "Running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	node := pod.Spec.NodeName
	cfg, err := f.Members[0].RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := resource.MustParse(memory)
	var body []byte
	start := time.Now()
	// kwok fills the cache of pods it computes usage from on its first scrape, which misses them.
	err = poll(ctx, clock.RealClock{}, "the pod's memory through the node proxy", func() (bool, error) {
		body, err = cs.CoreV1().RESTClient().Get().
			AbsPath("/api/v1/nodes", node, "proxy", strings.TrimPrefix(usage.NodeMetricsPath(node), "/")).DoRaw(ctx)
		if err != nil {
			return false, fmt.Errorf("GET through the node proxy of %s: %w\n%s", node, err, body)
		}
		got, ok := containerMemory(string(body), pod.Namespace, pod.Name, "app")
		return ok && got == want.AsApproximateFloat64(), nil
	})
	if err != nil {
		t.Fatalf("%v\nlast answer:\n%s", err, body)
	}
	t.Logf("the node proxy served the pod's usage %v after it ran", time.Since(start).Round(100*time.Millisecond))
	if !strings.Contains(string(body), "node_memory_working_set_bytes") {
		t.Errorf("no node_memory_working_set_bytes in\n%s", body)
	}
	checkKWOKDebuggingIsOff(ctx, t, f.Members[0])
}

// checkKWOKDebuggingIsOff checks that kwok, which listens on every address of the machine for
// the node proxy, serves no profiling or debugging endpoint.
func checkKWOKDebuggingIsOff(ctx context.Context, t *testing.T, c Cluster) {
	t.Helper()
	kwok, _ := c.Component(ComponentKWOK)
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/cmdline", "/exec/default/proxied/app"} {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url("http", kwok.Port, path), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s from kwok: %v", path, err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET %s from kwok: %s, want 405 (debugging endpoints disabled)", path, resp.Status)
		}
	}
}

// containerMemory finds container_memory_working_set_bytes of the container in Prometheus
// text.
func containerMemory(text, namespace, pod, container string) (float64, bool) {
	labels := []string{fmt.Sprintf("namespace=%q", namespace), fmt.Sprintf("pod=%q", pod), fmt.Sprintf("container=%q", container)}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		name, rest, ok := strings.Cut(line, "{")
		if !ok || name != "container_memory_working_set_bytes" {
			continue
		}
		set, value, ok := strings.Cut(rest, "}")
		if !ok {
			continue
		}
		matches := true
		for _, l := range labels {
			matches = matches && strings.Contains(","+set+",", ","+l+",")
		}
		fields := strings.Fields(value)
		if !matches || len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		return v, err == nil
	}
	return 0, false
}
