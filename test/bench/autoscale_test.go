package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// demand is an external metric the benchmark sets: the offered requests per second.
type demand struct {
	mu  sync.Mutex
	qps float64
}

func (d *demand) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	d.mu.Lock()
	defer d.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]float64{"value": d.qps})
}

func (d *demand) set(v float64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.qps = v
}

// scaledApp creates an Application Divided by free capacity with replicas pods and a
// FleetAutoscaler on the demand at 50 QPS per replica, evaluated every 5 s.
func scaledApp(b *testing.B, hub client.Client, ns, name, url string, replicas int32, up *flotillav1alpha1.ScalingRules) {
	a := rollbackApp(ns, name, "example.com/web:v1")
	a.Spec.Rollout = nil
	a.Spec.Placement.ReplicaScheduling = flotillav1alpha1.ReplicaScheduling{Type: flotillav1alpha1.ReplicaSchedulingDivided,
		Division: flotillav1alpha1.ReplicaDivisionAvailableCapacity}
	a.Spec.Replicas = ptr.To(replicas)
	if err := hub.Create(context.Background(), a); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = hub.Delete(context.Background(), a) })
	fa := &flotillav1alpha1.FleetAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: flotillav1alpha1.FleetAutoscalerSpec{TargetRef: flotillav1alpha1.ApplicationReference{Name: name},
			MinReplicas: ptr.To(int32(1)), MaxReplicas: 100, Interval: &metav1.Duration{Duration: 5 * time.Second},
			Metrics: []flotillav1alpha1.ScalingMetric{{Name: "qps", External: &flotillav1alpha1.ExternalScalingMetric{URL: url,
				Target: flotillav1alpha1.ScalingTarget{AverageValue: ptr.To("50")}}}},
			Behavior: &flotillav1alpha1.ScalingBehavior{ScaleUp: up}},
	}
	if err := hub.Create(context.Background(), fa); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = hub.Delete(context.Background(), fa) })
}

// readyTotal sums the ready replicas of name over the members, and counts the clusters running some.
func readyTotal(ctx context.Context, members map[string]client.Client, ns, name string) (int32, int) {
	var total int32
	clusters := 0
	for _, cl := range members {
		d := &appsv1.Deployment{}
		if err := cl.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, d); err != nil {
			continue
		}
		if d.Status.ReadyReplicas > 0 {
			clusters++
		}
		total += d.Status.ReadyReplicas
	}
	return total, clusters
}

// BenchmarkLoadStepReaction steps the demand FLOTILLA_BENCH_STEPS times (default 10) and
// measures from the step to the new replicas running (ready) across clusters: 4 -> 8 replicas
// with the default behavior (which allows doubling at once), and 4 -> 16 with a scale-up policy
// of +300% per 15 s. The autoscaler evaluates every 5 s.
func BenchmarkLoadStepReaction(b *testing.B) {
	runs := envInt(b, "FLOTILLA_BENCH_STEPS", 10)
	hub, members, ns := rollbackSetup(b, "bench-scale-")
	ctx := context.Background()
	for b.Loop() {
		for _, sc := range []struct {
			name string
			to   int32
			up   *flotillav1alpha1.ScalingRules
		}{
			{name: "double", to: 8},
			{name: "quadruple", to: 16, up: &flotillav1alpha1.ScalingRules{Policies: []flotillav1alpha1.ScalingPolicy{
				{Type: flotillav1alpha1.PercentPolicy, Value: 300, PeriodSeconds: 15}}}},
		} {
			var took []time.Duration
			for i := range runs {
				d := &demand{qps: 200}
				srv := httptest.NewServer(d)
				name := fmt.Sprintf("%s-%d", sc.name, i)
				scaledApp(b, hub, ns, name, srv.URL, 4, sc.up)
				poll(b, 2*time.Minute, 100*time.Millisecond, func() bool { n, _ := readyTotal(ctx, members, ns, name); return n == 4 },
					func() string { return "4 replicas never ran" })
				time.Sleep(time.Duration(rand.IntN(5000)) * time.Millisecond) // land anywhere in the 5 s interval
				step := time.Now()
				d.set(float64(sc.to) * 50)
				poll(b, 2*time.Minute, 50*time.Millisecond, func() bool {
					n, clusters := readyTotal(ctx, members, ns, name)
					return n == sc.to && clusters >= 2
				}, func() string { return fmt.Sprintf("%d replicas never ran in 2+ clusters", sc.to) })
				took = append(took, time.Since(step))
				srv.Close()
				b.Logf("%s run %d: 4 -> %d replicas running %s after the load step", sc.name, i+1, sc.to, took[i].Round(time.Millisecond))
			}
			sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
			b.ReportMetric(took[len(took)/2].Seconds(), sc.name+"-median-s")
			b.ReportMetric(took[len(took)-1].Seconds(), sc.name+"-max-s")
		}
	}
	b.ReportMetric(load1(), "load1")
}

// BenchmarkNoisyLoadStability runs FLOTILLA_BENCH_NOISE_SECONDS (default 600) of demand at
// 400 QPS with ±20% noise every second and counts how often the replica count changes
// direction (up then down or down then up): an oscillating autoscaler would change it often.
func BenchmarkNoisyLoadStability(b *testing.B) {
	seconds := envInt(b, "FLOTILLA_BENCH_NOISE_SECONDS", 600)
	hub, _, ns := rollbackSetup(b, "bench-noise-")
	ctx := context.Background()
	for b.Loop() {
		d := &demand{qps: 400}
		srv := httptest.NewServer(d)
		defer srv.Close()
		scaledApp(b, hub, ns, "noisy", srv.URL, 8, nil)
		rng := rand.New(rand.NewPCG(1, 2))
		var last, dir int32
		changes, flips := 0, 0
		for s := 0; s < seconds; s++ {
			d.set(400 * (0.8 + 0.4*rng.Float64()))
			time.Sleep(time.Second)
			a := &flotillav1alpha1.Application{}
			if err := hub.Get(ctx, client.ObjectKey{Namespace: ns, Name: "noisy"}, a); err != nil {
				continue
			}
			n := ptr.Deref(a.Spec.Replicas, 0)
			if last != 0 && n != last {
				changes++
				nd := int32(1)
				if n < last {
					nd = -1
				}
				if dir != 0 && nd != dir {
					flips++
				}
				dir = nd
			}
			last = n
		}
		b.ReportMetric(float64(changes), "changes")
		b.ReportMetric(float64(flips), "direction-changes")
		b.ReportMetric(float64(last), "final-replicas")
		b.ReportMetric(float64(seconds), "seconds")
	}
	b.ReportMetric(load1(), "load1")
}
