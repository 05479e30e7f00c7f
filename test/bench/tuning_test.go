package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/devfleet/usage"
	"flotilla.dev/flotilla/test/framework"
)

// BenchmarkBurstReaction measures the burst path of resource tuning: a container using 100Mi
// of a 256Mi memory limit jumps to 235Mi (92% of the limit); the time from that jump (the pod's
// usage annotation written, which the simulated kubelet serves at once) to the raised limit
// applied — the pod's spec resized and its status reporting the new limit, as a kubelet does
// once it has applied a resize. Target: 2 s. FLOTILLA_BENCH_BURSTS (default 10) runs, each on
// a new one-pod Application, landing anywhere in the 1 s sampling interval.
func BenchmarkBurstReaction(b *testing.B) {
	runs := envInt(b, "FLOTILLA_BENCH_BURSTS", 10)
	hub, members, ns := rollbackSetup(b, "bench-burst-")
	ctx := context.Background()
	limit := resource.MustParse("256Mi")
	for b.Loop() {
		var took []time.Duration
		for i := range runs {
			name := fmt.Sprintf("burst-%d", i)
			a := framework.WebApplication(b, ns, name, 1, corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")}, Limits: corev1.ResourceList{corev1.ResourceMemory: limit}},
				map[string]string{usage.MemoryAnnotation: "100Mi"})
			p := &flotillav1alpha1.ResourcePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
				Spec: flotillav1alpha1.ResourcePolicySpec{TargetRef: &flotillav1alpha1.ApplicationReference{Name: name}, Mode: flotillav1alpha1.TuningAuto,
					Containers: []flotillav1alpha1.ContainerTuning{{Name: "web", Targets: []flotillav1alpha1.ResourceTarget{
						{Resource: flotillav1alpha1.TunedMemory, Field: flotillav1alpha1.TunedLimit, Percentile: 100, MarginPercent: 30}}}},
					Update: flotillav1alpha1.TuningUpdate{MinSamples: ptr.To(int32(1_000_000))}, Burst: &flotillav1alpha1.TuningBurst{}}}
			for _, obj := range []client.Object{a, p} {
				if err := hub.Create(ctx, obj); err != nil {
					b.Fatal(err)
				}
			}
			var pod corev1.Pod
			var cl client.Client
			poll(b, 2*time.Minute, 100*time.Millisecond, func() bool {
				cur := &flotillav1alpha1.ResourcePolicy{}
				if err := hub.Get(ctx, client.ObjectKeyFromObject(p), cur); err != nil || len(cur.Status.Recommendations) == 0 ||
					cur.Status.Recommendations[0].Usage.Samples < 2 {
					return false
				}
				for _, m := range members {
					var list corev1.PodList
					if err := m.List(ctx, &list, client.InNamespace(ns), client.MatchingLabels{"app": name}); err == nil && len(list.Items) == 1 {
						pod, cl = list.Items[0], m
						return true
					}
				}
				return false
			}, func() string { return "the pod was never profiled" })
			time.Sleep(time.Duration(rand.IntN(1000)) * time.Millisecond)
			body, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{usage.MemoryAnnotation: "235Mi"}}})
			spike := time.Now()
			if err := cl.Patch(ctx, &pod, client.RawPatch(types.MergePatchType, body)); err != nil {
				b.Fatal(err)
			}
			poll(b, 30*time.Second, 20*time.Millisecond, func() bool {
				cur := &corev1.Pod{}
				if err := cl.Get(ctx, types.NamespacedName{Namespace: ns, Name: pod.Name}, cur); err != nil || len(cur.Status.ContainerStatuses) == 0 {
					return false
				}
				st := cur.Status.ContainerStatuses[0].Resources
				spec := cur.Spec.Containers[0].Resources.Limits[corev1.ResourceMemory]
				return spec.Cmp(limit) > 0 && st != nil && st.Limits.Memory().Equal(spec)
			}, func() string { return "the limit was never raised" })
			took = append(took, time.Since(spike))
			b.Logf("run %d: memory limit raised and applied %s after the spike", i+1, took[i].Round(time.Millisecond))
			_ = hub.Delete(ctx, p)
			_ = hub.Delete(ctx, a)
		}
		sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
		b.ReportMetric(took[len(took)/2].Seconds(), "median-s")
		b.ReportMetric(took[len(took)-1].Seconds(), "max-s")
	}
	b.ReportMetric(load1(), "load1")
}
