package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/test/framework"
)

// rollbackApp is released member-1 first, in batches of 1, 50% and 100%, with a Kubernetes
// health analysis every second: the configuration the rollback target is measured with.
func rollbackApp(ns, name, image string) *flotillav1alpha1.Application {
	labels := map[string]string{"app": name}
	dep := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(int32(4)), Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: image, Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")}}}}}},
		},
	}
	raw, _ := json.Marshal(dep)
	return &flotillav1alpha1.Application{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: flotillav1alpha1.ApplicationSpec{
			Resources: []flotillav1alpha1.Manifest{{RawExtension: runtime.RawExtension{Raw: raw}}},
			Placement: flotillav1alpha1.Placement{ReplicaScheduling: flotillav1alpha1.ReplicaScheduling{Type: flotillav1alpha1.ReplicaSchedulingDuplicated}},
			Rollout: &flotillav1alpha1.RolloutStrategy{
				Waves: []flotillav1alpha1.RolloutWave{{Name: "canary", ClusterNames: []string{"member-1"}}},
				Batches: []flotillav1alpha1.RolloutBatch{{Replicas: intstr.FromInt32(1)}, {Replicas: intstr.FromString("50%")},
					{Replicas: intstr.FromString("100%")}},
				Analysis: &flotillav1alpha1.RolloutAnalysis{Interval: &metav1.Duration{Duration: time.Second},
					Metrics: []flotillav1alpha1.AnalysisMetric{{Name: "pods", Kubernetes: &flotillav1alpha1.KubernetesHealthMetric{}}}},
			},
		},
	}
}

// rollbackSetup waits for the members and returns clients of the hub and every member and a
// namespace for the runs, deleted when the benchmark ends.
func rollbackSetup(b *testing.B, prefix string) (client.Client, map[string]client.Client, string) {
	hub := hubClient(b)
	waitMembersReady(b, hub)
	members := map[string]client.Client{}
	for _, m := range framework.Fleet(b).Members {
		members[m.Name] = framework.Client(b, m.Name)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix}}
	if err := hub.Create(context.Background(), ns); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = hub.Delete(context.Background(), ns) })
	return hub, members, ns.Name
}

// BenchmarkBadCanaryRollback releases a crash-looping version FLOTILLA_BENCH_ROLLBACKS times
// (default 10) and measures, each time, from the moment the hub shows the first failed
// measurement to the moment every member has no canary pod left and runs the stable version
// with every replica ready. It reports the median and the slowest run, and the median time from
// the bad release to its first failed measurement (detection).
func BenchmarkBadCanaryRollback(b *testing.B) {
	runs := envInt(b, "FLOTILLA_BENCH_ROLLBACKS", 10)
	hub, members, ns := rollbackSetup(b, "bench-rollback-")
	var restore, detect []time.Duration
	for b.Loop() {
		for i := range runs {
			r, d := rollbackOnce(b, hub, members, ns, fmt.Sprintf("web-%d", i))
			restore, detect = append(restore, r), append(detect, d)
			b.Logf("run %d: first failure %s after the release, stable restored %s after it", i+1, d.Round(time.Millisecond), r.Round(time.Millisecond))
		}
	}
	sort.Slice(restore, func(i, j int) bool { return restore[i] < restore[j] })
	sort.Slice(detect, func(i, j int) bool { return detect[i] < detect[j] })
	b.ReportMetric(restore[len(restore)/2].Seconds(), "restore-median-s")
	b.ReportMetric(restore[len(restore)-1].Seconds(), "restore-max-s")
	b.ReportMetric(detect[len(detect)/2].Seconds(), "detect-median-s")
	b.ReportMetric(float64(len(restore)), "runs")
	b.ReportMetric(load1(), "load1")
}

// rollbackOnce deploys v1, releases a crash-looping v2 and returns how long the fleet took from
// the first failed measurement (as the hub shows it) to stable restored, and from the release
// to that first failure.
func rollbackOnce(b *testing.B, hub client.Client, members map[string]client.Client, ns, name string) (time.Duration, time.Duration) {
	ctx := context.Background()
	a := rollbackApp(ns, name, "example.com/web:v1")
	if err := hub.Create(ctx, a); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = hub.Delete(ctx, a) }()
	key := client.ObjectKeyFromObject(a)
	poll(b, 2*time.Minute, 100*time.Millisecond, func() bool {
		if err := hub.Get(ctx, key, a); err != nil {
			return false
		}
		return a.Status.StableRevision != "" && a.Status.StableRevision == a.Status.CurrentRevision
	}, func() string { return fmt.Sprintf("status %+v", a.Status) })
	bad := rollbackApp(ns, name, "example.com/web:v2-crashloop")
	a.Spec.Resources = bad.Spec.Resources
	if err := hub.Update(ctx, a); err != nil {
		b.Fatal(err)
	}
	released := time.Now()
	var failed time.Time
	poll(b, 2*time.Minute, 20*time.Millisecond, func() bool {
		if err := hub.Get(ctx, key, a); err != nil {
			return false
		}
		st := a.Status.Rollout
		if st == nil || st.Revision != a.Status.CurrentRevision || st.Revision == a.Status.StableRevision {
			return false
		}
		return st.Phase == flotillav1alpha1.RolloutAborting || st.Phase == flotillav1alpha1.RolloutAborted ||
			(st.Analysis != nil && st.Analysis.ConsecutiveFailures > 0)
	}, func() string { return fmt.Sprintf("rollout %+v", a.Status.Rollout) })
	failed = time.Now()
	poll(b, 2*time.Minute, 20*time.Millisecond, func() bool { return stableRestored(ctx, members, ns, name) },
		func() string { return "members still run the canary or not all of v1" })
	return time.Since(failed), failed.Sub(released)
}

// stableRestored says whether every member has no canary pod and runs v1 with 4 ready replicas.
func stableRestored(ctx context.Context, members map[string]client.Client, ns, name string) bool {
	for _, cl := range members {
		d := &appsv1.Deployment{}
		if err := cl.Get(ctx, client.ObjectKey{Namespace: ns, Name: name + flotillav1alpha1.CanarySuffix}, d); err == nil && d.Status.Replicas > 0 {
			return false
		}
		if err := cl.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, d); err != nil {
			return false
		}
		if d.Spec.Template.Spec.Containers[0].Image != "example.com/web:v1" || d.Status.ReadyReplicas != 4 || d.Status.UpdatedReplicas != 4 ||
			d.Status.Replicas != 4 {
			return false
		}
	}
	return true
}

// poll calls ok every interval until it is true; after within it fails with what state says.
func poll(b *testing.B, within, every time.Duration, ok func() bool, state func() string) {
	b.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			b.Fatalf("not done after %s: %s", within, state())
		}
		time.Sleep(every)
	}
}

// verdicts is a webhook metric the benchmark controls: Successful until failing is set, then
// Failed, remembering when it first answered Failed.
type verdicts struct {
	mu          sync.Mutex
	failing     bool
	firstFailed time.Time
}

func (v *verdicts) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	v.mu.Lock()
	defer v.mu.Unlock()
	verdict := flotillav1alpha1.MeasurementSuccessful
	if v.failing {
		verdict = flotillav1alpha1.MeasurementFailed
		if v.firstFailed.IsZero() {
			v.firstFailed = time.Now()
		}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"verdict": verdict})
}

func (v *verdicts) reset(failing bool) time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	at := v.firstFailed
	v.failing = failing
	if !failing {
		v.firstFailed = time.Time{}
	}
	return at
}

// BenchmarkLateFailureRollback releases a version whose pods are healthy but whose analysis (a
// webhook the benchmark controls) turns to Failed once the canary holds 50% of member-1, so the
// stable workload there has shrunk and must grow back. It measures, FLOTILLA_BENCH_ROLLBACKS
// times, from the first Failed answer to every member running v1 with all replicas ready and no
// canary pod.
func BenchmarkLateFailureRollback(b *testing.B) {
	runs := envInt(b, "FLOTILLA_BENCH_ROLLBACKS", 10)
	hub, members, ns := rollbackSetup(b, "bench-late-")
	v := &verdicts{}
	srv := httptest.NewServer(v)
	defer srv.Close()
	var restore []time.Duration
	for b.Loop() {
		for i := range runs {
			r := lateFailureOnce(b, hub, members, v, srv.URL, ns, fmt.Sprintf("late-%d", i))
			restore = append(restore, r)
			b.Logf("run %d: stable restored %s after the first failed measurement", i+1, r.Round(time.Millisecond))
		}
	}
	sort.Slice(restore, func(i, j int) bool { return restore[i] < restore[j] })
	b.ReportMetric(restore[len(restore)/2].Seconds(), "restore-median-s")
	b.ReportMetric(restore[len(restore)-1].Seconds(), "restore-max-s")
	b.ReportMetric(float64(len(restore)), "runs")
	b.ReportMetric(load1(), "load1")
}

func lateFailureOnce(b *testing.B, hub client.Client, members map[string]client.Client, v *verdicts, url, ns, name string) time.Duration {
	ctx := context.Background()
	v.reset(false)
	a := rollbackApp(ns, name, "example.com/web:v1")
	a.Spec.Rollout.Batches[1].Pause = &flotillav1alpha1.RolloutPause{Duration: &metav1.Duration{Duration: time.Hour}}
	a.Spec.Rollout.Analysis.Metrics = []flotillav1alpha1.AnalysisMetric{{Name: "verdict", Webhook: &flotillav1alpha1.WebhookMetric{URL: url}}}
	if err := hub.Create(ctx, a); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = hub.Delete(ctx, a) }()
	key := client.ObjectKeyFromObject(a)
	poll(b, 2*time.Minute, 100*time.Millisecond, func() bool {
		return hub.Get(ctx, key, a) == nil && a.Status.StableRevision != "" && a.Status.StableRevision == a.Status.CurrentRevision
	}, func() string { return fmt.Sprintf("status %+v", a.Status) })
	next := rollbackApp(ns, name, "example.com/web:v2")
	a.Spec.Resources = next.Spec.Resources
	if err := hub.Update(ctx, a); err != nil {
		b.Fatal(err)
	}
	poll(b, 2*time.Minute, 50*time.Millisecond, func() bool {
		if hub.Get(ctx, key, a) != nil {
			return false
		}
		st := a.Status.Rollout
		return st != nil && st.Revision == a.Status.CurrentRevision && st.Wave == 0 && st.Batch == 1 && st.StepReadyAt != nil
	}, func() string { return fmt.Sprintf("rollout %+v", a.Status.Rollout) })
	v.reset(true)
	poll(b, 2*time.Minute, 20*time.Millisecond, func() bool {
		v.mu.Lock()
		failed := !v.firstFailed.IsZero()
		v.mu.Unlock()
		return failed && stableRestored(ctx, members, ns, name)
	}, func() string { return "members still run the canary or not all of v1" })
	done := time.Now()
	return done.Sub(v.reset(false))
}
