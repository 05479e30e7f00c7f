package devfleet

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/internal/devfleet/usage"
)

// podUsage is what the metrics API reports for one pod: the sums over its containers.
type podUsage struct{ cpu, memory resource.Quantity }

// TestPodMetricsFollowTheUsageAnnotations runs two replicas on a real member and annotates one
// of them: the metrics API (PodMetrics, as `kubectl top pod` reads it) reports the annotated
// usage for that pod and the default usage for the other, then the new usage after the
// annotation changes on the running pod. Every node has NodeMetrics.
func TestPodMetricsFollowTheUsageAnnotations(t *testing.T) {
	t.Parallel() // it mostly waits for metrics-server's scrapes
	ctx, f, cl := upOneMember(t, 55*time.Second)
	dep := deployment("usage", "nginx:1.27")
	dep.Spec.Replicas = ptr.To[int32](2)
	if err := cl.Create(ctx, dep); err != nil {
		t.Fatal(err)
	}
	pods := runningPods(ctx, t, cl, "usage", 2)
	busy, idle := pods[0], pods[1]
	warmPodCache(ctx, t, f.Members[0])

	start := time.Now()
	setUsage(ctx, t, cl, busy, "250m", "64Mi")
	waitForUsage(ctx, t, cl, map[string]podUsage{busy: usageOf("250m", "64Mi"), idle: usageOf(usage.DefaultCPU, usage.DefaultMemory)})
	t.Logf("a new pod's usage is in PodMetrics %v after annotating it", time.Since(start).Round(100*time.Millisecond))

	start = time.Now()
	setUsage(ctx, t, cl, busy, "600m", "100Mi")
	waitForUsage(ctx, t, cl, map[string]podUsage{busy: usageOf("600m", "100Mi")})
	changed := time.Since(start)
	t.Logf("a changed usage is in PodMetrics %v after the annotation changed", changed.Round(100*time.Millisecond))
	if changed > 15*time.Second {
		t.Errorf("the changed usage took %v to show, want one metrics resolution (%s) and a little", changed, metricsResolution)
	}
	checkNodeMetrics(ctx, t, cl, len(f.Members[0].Nodes))
}

// warmPodCache scrapes kwok once for every node. kwok fills the pod cache that usage is
// computed from on its first use, and that first scrape misses every pod: without this, the
// first pods of a new member show in PodMetrics after three scrapes of metrics-server, not two.
func warmPodCache(ctx context.Context, t *testing.T, c Cluster) {
	t.Helper()
	kwok, _ := c.Component(ComponentKWOK)
	for _, n := range c.Nodes {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url("http", kwok.Port, usage.NodeMetricsPath(n.Name)), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("scraping kwok: %v", err)
		}
		_ = resp.Body.Close()
	}
	time.Sleep(200 * time.Millisecond) // the cache fills in the background
}

func usageOf(cpu, memory string) podUsage {
	return podUsage{cpu: resource.MustParse(cpu), memory: resource.MustParse(memory)}
}

// runningPods waits until the Deployment app has n Running pods and returns their names.
func runningPods(ctx context.Context, t *testing.T, cl client.Client, app string, n int) []string {
	t.Helper()
	var names []string
	err := poll(ctx, clock.RealClock{}, fmt.Sprintf("%d running pods of %s", n, app), func() (bool, error) {
		pods := &corev1.PodList{}
		if err := cl.List(ctx, pods, client.InNamespace(metav1.NamespaceDefault), client.MatchingLabels{"app": app}); err != nil {
			return false, err
		}
		names = names[:0]
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning {
				names = append(names, p.Name)
			}
		}
		return len(names) == n, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// setUsage annotates the running pod with its simulated usage.
func setUsage(ctx context.Context, t *testing.T, cl client.Client, pod, cpu, memory string) {
	t.Helper()
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q,%q:%q}}}`, usage.CPUAnnotation, cpu, usage.MemoryAnnotation, memory)
	obj := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: pod, Namespace: metav1.NamespaceDefault}}
	if err := cl.Patch(ctx, obj, client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
		t.Fatalf("annotating %s: %v", pod, err)
	}
}

// waitForUsage waits until PodMetrics report the wanted usage of each pod, within 2% (the
// CPU is a rate over the window between two scrapes).
func waitForUsage(ctx context.Context, t *testing.T, cl client.Client, want map[string]podUsage) {
	t.Helper()
	var got map[string]podUsage
	err := poll(ctx, clock.RealClock{}, "PodMetrics with the annotated usage", func() (bool, error) {
		var err error
		if got, err = podMetrics(ctx, cl); err != nil {
			return false, nil //nolint:nilerr // the metrics API may not be serving yet
		}
		for pod, w := range want {
			g, ok := got[pod]
			if !ok || !near(g.cpu, w.cpu) || !near(g.memory, w.memory) {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("%v\nlast PodMetrics: %v", err, got)
	}
}

func near(got, want resource.Quantity) bool {
	g, w := got.AsApproximateFloat64(), want.AsApproximateFloat64()
	return g >= w*0.98 && g <= w*1.02
}

// podMetrics reads the PodMetrics of the default namespace from the metrics API.
func podMetrics(ctx context.Context, cl client.Client) (map[string]podUsage, error) {
	list := &unstructured.UnstructuredList{}
	list.SetAPIVersion("metrics.k8s.io/v1beta1")
	list.SetKind("PodMetricsList")
	if err := cl.List(ctx, list, client.InNamespace(metav1.NamespaceDefault)); err != nil {
		return nil, err
	}
	out := map[string]podUsage{}
	for _, pm := range list.Items {
		containers, _, _ := unstructured.NestedSlice(pm.Object, "containers")
		var sum podUsage
		for _, c := range containers {
			cpu, _, _ := unstructured.NestedString(c.(map[string]any), "usage", "cpu")
			memory, _, _ := unstructured.NestedString(c.(map[string]any), "usage", "memory")
			sum.cpu.Add(resource.MustParse(cpu))
			sum.memory.Add(resource.MustParse(memory))
		}
		out[pm.GetName()] = sum
	}
	return out, nil
}

// checkNodeMetrics checks that every node has NodeMetrics, with at least the usage of the
// simulated system.
func checkNodeMetrics(ctx context.Context, t *testing.T, cl client.Client, nodes int) {
	t.Helper()
	list := &unstructured.UnstructuredList{}
	list.SetAPIVersion("metrics.k8s.io/v1beta1")
	list.SetKind("NodeMetricsList")
	if err := cl.List(ctx, list); err != nil {
		t.Fatalf("listing NodeMetrics: %v", err)
	}
	if len(list.Items) != nodes {
		t.Errorf("%d NodeMetrics, want one for each of the %d nodes", len(list.Items), nodes)
	}
	for _, nm := range list.Items {
		memory, _, _ := unstructured.NestedString(nm.Object, "usage", "memory")
		if q := resource.MustParse(memory); q.Cmp(resource.MustParse(usage.NodeMemory)) < 0 {
			t.Errorf("node %s uses %s of memory, less than its system's %s", nm.GetName(), memory, usage.NodeMemory)
		}
	}
}
