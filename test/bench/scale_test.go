package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/devfleet"
	"flotilla.dev/flotilla/test/framework"
)

// BenchmarkApplications creates FLOTILLA_BENCH_APPS (default 1,000) small Applications (one
// Deployment of 1 replica + its ConfigMap) in the hub and measures the time until every one is
// Available, the process memory while the in-process controller converges them, and the member
// write rate it reached, next to the write ceiling of a member API server measured first in the
// same run. FLOTILLA_BENCH_PLACEMENT=Duplicated puts every app on all 3 members (default:
// Divided by available capacity, so each single-replica app runs in one member).
func BenchmarkApplications(b *testing.B) {
	members := framework.Fleet(b).Members
	n := envInt(b, "FLOTILLA_BENCH_APPS", 1000)
	typ := flotillav1alpha1.ReplicaSchedulingDivided
	if os.Getenv("FLOTILLA_BENCH_PLACEMENT") == string(flotillav1alpha1.ReplicaSchedulingDuplicated) {
		typ = flotillav1alpha1.ReplicaSchedulingDuplicated
	}
	ctx := context.Background()
	hub := hubClient(b)
	waitMembersReady(b, hub)
	css := map[string]*kubernetes.Clientset{}
	for _, m := range members {
		css[m.Name] = memberClientset(b, m.Name)
		addBenchNode(b, css[m.Name], m)
	}

	cmRate, deployRate := writeCeiling(b, css[members[0].Name])

	const ns = "bench-apps"
	if err := hub.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil && !apierrors.IsAlreadyExists(err) {
		b.Fatal(err)
	}
	defer deleteAndWait(b, hub, ns)
	before := memberRequests(b, css)
	runtime.GC()
	baseRSS, baseHeap := rssMiB(), heapMiB()
	mem := startMemorySampler()
	load := load1()

	b.ResetTimer()
	start := time.Now()
	parallel(b, n, 16, func(i int) error {
		return hub.Create(ctx, smallApp(ns, fmt.Sprintf("app-%04d", i), "v1", 1, typ))
	})
	created := time.Since(start)
	applied, available := waitConverged(b, hub, ns, n, start)
	b.StopTimer()
	peakRSS, peakHeap := mem.stop()
	load = (load + load1()) / 2
	after := memberRequests(b, css)
	applies, writes, all := after.applies-before.applies, after.writes-before.writes, after.all-before.all
	runtime.GC()
	b.Logf("%d %s apps: created in %s, all Applied after %s, all Available after %s; %0.f member applies, %0.f member writes, %0.f member requests in all; load %.1f",
		n, typ, created.Round(time.Millisecond), applied.Round(time.Millisecond), available.Round(time.Millisecond), applies, writes, all, load)
	b.ReportMetric(float64(n), "apps")
	b.ReportMetric(available.Seconds(), "available_s")
	b.ReportMetric(applied.Seconds(), "applied_s")
	b.ReportMetric(baseRSS, "base_rss_MiB")
	b.ReportMetric(baseHeap, "base_heap_MiB")
	b.ReportMetric(peakRSS, "peak_rss_MiB")
	b.ReportMetric(peakHeap, "peak_heap_MiB")
	b.ReportMetric(rssMiB(), "after_rss_MiB")
	b.ReportMetric(heapMiB(), "after_heap_MiB")
	b.ReportMetric(applies/applied.Seconds(), "member_applies/s")
	b.ReportMetric(writes/available.Seconds(), "member_writes/s")
	b.ReportMetric(all/float64(n), "member_requests/app")
	b.ReportMetric(cmRate, "ceiling_cm_creates/s")
	b.ReportMetric(deployRate, "ceiling_deploy_creates/s")
	b.ReportMetric(load, "load1")
}

// requestCounts are sums of a member API server's apiserver_request_total.
type requestCounts struct{ applies, writes, all float64 }

// memberRequests sums the request counters of every member.
func memberRequests(tb testing.TB, css map[string]*kubernetes.Clientset) requestCounts {
	tb.Helper()
	var sum requestCounts
	for name, cs := range css {
		c, err := scrapeRequests(context.Background(), cs)
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		sum.applies, sum.writes, sum.all = sum.applies+c.applies, sum.writes+c.writes, sum.all+c.all
	}
	return sum
}

// writeCeiling measures what one member API server accepts: 1,000 ConfigMap creates and then
// 500 Deployment creates (0 replicas, so no pods follow) from 16 concurrent writers, straight to
// the member, before the apps load the fleet. It returns creates/s of each.
func writeCeiling(tb testing.TB, cs *kubernetes.Clientset) (configMapsPerSec, deploymentsPerSec float64) {
	tb.Helper()
	configMapsPerSec = createBurst(tb, cs, "bench-ceiling-cm", 1000, 16, func(ctx context.Context, ns string, i int) error {
		_, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("c%d", i)},
			Data: map[string]string{"version": "v1"}}, metav1.CreateOptions{})
		return err
	})
	deploymentsPerSec = createBurst(tb, cs, "bench-ceiling-deploy", 500, 16, func(ctx context.Context, ns string, i int) error {
		_, err := cs.AppsV1().Deployments(ns).Create(ctx, ceilingDeployment(fmt.Sprintf("d%d", i)), metav1.CreateOptions{})
		return err
	})
	return configMapsPerSec, deploymentsPerSec
}

// waitConverged lists the Applications of ns every second until all n are Available for their
// generation, and returns when all were Applied and when all were Available, from start.
func waitConverged(tb testing.TB, hub client.Client, ns string, n int, start time.Time) (applied, available time.Duration) {
	tb.Helper()
	ctx := context.Background()
	deadline := start.Add(time.Duration(envInt(tb, "FLOTILLA_BENCH_TIMEOUT_MIN", 20)) * time.Minute)
	for available == 0 {
		if time.Now().After(deadline) {
			tb.Fatalf("not every Application is Available after %s", time.Since(start))
		}
		time.Sleep(time.Second)
		var list flotillav1alpha1.ApplicationList
		if err := hub.List(ctx, &list, client.InNamespace(ns)); err != nil {
			tb.Logf("listing Applications: %v", err)
			continue
		}
		nApplied, nAvailable := 0, 0
		for i := range list.Items {
			if conditionTrue(&list.Items[i], flotillav1alpha1.ConditionApplied) {
				nApplied++
			}
			if conditionTrue(&list.Items[i], flotillav1alpha1.ConditionAvailable) {
				nAvailable++
			}
		}
		if applied == 0 && nApplied == n {
			applied = time.Since(start)
		}
		if nAvailable == n {
			available = time.Since(start)
		}
	}
	return applied, available
}

// addBenchNode gives a member one more simulated node with room for 1,100 small pods: the
// stock fleet has 990 pod slots in all, too few for 1,000 single-replica apps.
func addBenchNode(tb testing.TB, cs *kubernetes.Clientset, m devfleet.Cluster) {
	tb.Helper()
	ctx := context.Background()
	res := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("128"), corev1.ResourceMemory: resource.MustParse("512Gi"),
		corev1.ResourcePods: resource.MustParse("1100")}
	name := m.Name + "-bench-node"
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			corev1.LabelHostname: name, corev1.LabelOSStable: "linux", corev1.LabelArchStable: "amd64",
			corev1.LabelTopologyRegion: m.Region, corev1.LabelTopologyZone: m.Zone, "type": "kwok",
		}, Annotations: map[string]string{devfleet.KWOKNodeAnnotation: "fake", "node.alpha.kubernetes.io/ttl": "0"}},
		Status: corev1.NodeStatus{Capacity: res, Allocatable: res.DeepCopy()},
	}
	if _, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		tb.Fatal(err)
	}
	framework.Eventually(tb, time.Minute, func() error {
		got, err := cs.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, c := range got.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				return nil
			}
		}
		return fmt.Errorf("node %s is not Ready yet", name)
	})
}

func ceilingDeployment(name string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](0), Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example.com/c:v1"}}}},
		},
	}
}

// createBurst makes count creates with workers concurrent writers in a fresh namespace of the
// member, returns creates/s, and deletes the namespace.
func createBurst(tb testing.TB, cs *kubernetes.Clientset, ns string, count, workers int, create func(context.Context, string, int) error) float64 {
	tb.Helper()
	ctx := context.Background()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	parallel(tb, count, workers, func(i int) error { return create(ctx, ns, i) })
	rate := float64(count) / time.Since(start).Seconds()
	if err := cs.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		tb.Fatal(err)
	}
	framework.Eventually(tb, 3*time.Minute, func() error {
		switch _, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); {
		case err == nil:
			return fmt.Errorf("namespace %s is still being removed", ns)
		case !apierrors.IsNotFound(err):
			return err
		}
		return nil
	})
	return rate
}

// parallel calls fn(0..count-1) from workers goroutines and fails on the first error.
func parallel(tb testing.TB, count, workers int, fn func(i int) error) {
	tb.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < count; i = int(next.Add(1)) - 1 {
				if err := fn(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		tb.Fatal(err)
	}
}

// memorySampler keeps the highest RSS and Go heap seen every 250 ms.
type memorySampler struct {
	done           chan struct{}
	wg             sync.WaitGroup
	peakRSS, peakH float64
}

func startMemorySampler() *memorySampler {
	s := &memorySampler{done: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			s.peakRSS, s.peakH = max(s.peakRSS, rssMiB()), max(s.peakH, heapMiB())
			select {
			case <-s.done:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *memorySampler) stop() (rss, heap float64) {
	close(s.done)
	s.wg.Wait()
	return s.peakRSS, s.peakH
}
