package rollout

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/devfleet"
	"flotilla.dev/flotilla/test/framework"
)

const replicas = 4

// namespace creates a namespace in the hub for one test.
func namespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "rollout-"}}
	if err := framework.HubClient(t).Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = framework.HubClient(t).Delete(context.Background(), ns) })
	return ns.Name
}

func manifest(obj runtime.Object) flotillav1alpha1.Manifest {
	raw, err := json.Marshal(obj)
	if err != nil {
		panic(err)
	}
	return flotillav1alpha1.Manifest{RawExtension: runtime.RawExtension{Raw: raw}}
}

// application is a web Deployment of `replicas` pods in every member (Duplicated), released
// canary wave first (member-1), then the rest, in batches of 1, 50% and 100%.
func application(ns, name, image string, rollout *flotillav1alpha1.RolloutStrategy) *flotillav1alpha1.Application {
	labels := map[string]string{"app": name}
	dep := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(int32(replicas)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: image,
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
						corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("32Mi")}}}}},
			},
		},
	}
	return &flotillav1alpha1.Application{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: flotillav1alpha1.ApplicationSpec{
			Resources: []flotillav1alpha1.Manifest{manifest(dep)},
			Placement: flotillav1alpha1.Placement{ReplicaScheduling: flotillav1alpha1.ReplicaScheduling{Type: flotillav1alpha1.ReplicaSchedulingDuplicated}},
			Rollout:   rollout,
		},
	}
}

// waves releases member-1 first, then the rest, in batches of 1, 50% and 100%, with a
// Kubernetes health analysis every second.
func waves(metrics ...flotillav1alpha1.AnalysisMetric) *flotillav1alpha1.RolloutStrategy {
	metrics = append([]flotillav1alpha1.AnalysisMetric{{Name: "pods", Kubernetes: &flotillav1alpha1.KubernetesHealthMetric{}}}, metrics...)
	return &flotillav1alpha1.RolloutStrategy{
		Waves: []flotillav1alpha1.RolloutWave{{Name: "canary", ClusterNames: []string{"member-1"}}, {Name: "rest"}},
		Batches: []flotillav1alpha1.RolloutBatch{{Replicas: intstr.FromInt32(1)}, {Replicas: intstr.FromString("50%")},
			{Replicas: intstr.FromString("100%")}},
		Analysis: &flotillav1alpha1.RolloutAnalysis{Interval: &metav1.Duration{Duration: time.Second}, InconclusiveLimit: ptr.To(int32(20)),
			Metrics: metrics},
	}
}

func get(t *testing.T, ns, name string) *flotillav1alpha1.Application {
	t.Helper()
	a := &flotillav1alpha1.Application{}
	if err := framework.HubClient(t).Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, a); err != nil {
		t.Fatal(err)
	}
	return a
}

// deploy creates the Application and waits until its first revision runs everywhere and is stable.
func deploy(t *testing.T, a *flotillav1alpha1.Application) {
	t.Helper()
	if err := framework.HubClient(t).Create(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = framework.HubClient(t).Delete(context.Background(), a) })
	framework.Eventually(t, 2*time.Minute, func() error {
		got := get(t, a.Namespace, a.Name)
		if got.Status.StableRevision == "" || got.Status.StableRevision != got.Status.CurrentRevision {
			return fmt.Errorf("stable %q current %q", got.Status.StableRevision, got.Status.CurrentRevision)
		}
		return nil
	})
}

// setImage changes the image of the Application's Deployment: a new revision.
func setImage(t *testing.T, ns, name, image string) {
	t.Helper()
	framework.Eventually(t, 30*time.Second, func() error {
		a := get(t, ns, name)
		var dep appsv1.Deployment
		if err := json.Unmarshal(a.Spec.Resources[0].Raw, &dep); err != nil {
			return err
		}
		dep.Spec.Template.Spec.Containers[0].Image = image
		a.Spec.Resources[0] = manifest(&dep)
		return framework.HubClient(t).Update(context.Background(), a)
	})
}

// world is what the members run for one Application: per member, the workload's image and
// replicas, and the canary's.
type world map[string]struct {
	image, canaryImage         string
	ready, canary, canaryReady int32
}

func observe(t *testing.T, ns, name string) world {
	t.Helper()
	w := world{}
	for m, cl := range framework.MemberClients(t) {
		e := w[m]
		d := &appsv1.Deployment{}
		if err := cl.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, d); err == nil {
			e.image, e.ready = d.Spec.Template.Spec.Containers[0].Image, d.Status.ReadyReplicas
		}
		if err := cl.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name + flotillav1alpha1.CanarySuffix}, d); err == nil {
			e.canaryImage, e.canary, e.canaryReady = d.Spec.Template.Spec.Containers[0].Image, ptr.Deref(d.Spec.Replicas, 0), d.Status.ReadyReplicas
		} else if !apierrors.IsNotFound(err) {
			t.Logf("%s: %v", m, err)
		}
		w[m] = e
	}
	return w
}

// watcher samples the rollout status and the members every 200 ms until stopped, and checks
// the invariants of every sample.
type watcher struct {
	mu       sync.Mutex
	steps    map[string]bool // "wave/batch" seen while Progressing or Paused
	problems []string
	stop     chan struct{}
	done     chan struct{}
}

func watch(t *testing.T, ns, name string) *watcher {
	w := &watcher{steps: map[string]bool{}, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for {
			select {
			case <-w.stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			a := &flotillav1alpha1.Application{}
			if err := framework.HubClient(t).Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, a); err != nil {
				continue
			}
			members := observe(t, ns, name)
			after := &flotillav1alpha1.Application{}
			if err := framework.HubClient(t).Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, after); err != nil {
				continue
			}
			w.mu.Lock()
			// Only a sample taken while the rollout stood still between two reads is judged.
			if st := a.Status.Rollout; st != nil && st.Revision == a.Status.CurrentRevision && after.Status.Rollout != nil &&
				after.Status.Rollout.Wave == st.Wave && after.Status.Rollout.Revision == st.Revision {
				w.steps[fmt.Sprintf("%d/%d", st.Wave, st.Batch)] = true
				for _, c := range st.Clusters {
					if c.Wave > st.Wave && members[c.Name].canary > 0 && st.Phase != flotillav1alpha1.RolloutAborting {
						w.problems = append(w.problems, fmt.Sprintf("%s %s of wave %d has a canary during wave %d (rollout %s/%s batch %d: %s; members %+v)",
							time.Now().Format("15:04:05.000"), c.Name, c.Wave, st.Wave, st.Phase, st.Reason, st.Batch, st.Message, members))
					}
				}
			}
			for m, e := range members {
				if e.canary > replicas {
					w.problems = append(w.problems, fmt.Sprintf("%s: canary of %d replicas, more than the %d of the cluster", m, e.canary, replicas))
				}
			}
			w.mu.Unlock()
		}
	}()
	t.Cleanup(w.halt)
	return w
}

func (w *watcher) halt() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
}

func (w *watcher) check(t *testing.T, wantSteps ...string) {
	t.Helper()
	w.halt()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range w.problems {
		t.Error(p)
	}
	for _, s := range wantSteps {
		if !w.steps[s] {
			t.Errorf("step wave/batch %s was never seen; saw %v", s, w.steps)
		}
	}
}

// waitPhase waits for the rollout of the current revision to reach phase.
func waitPhase(t *testing.T, ns, name string, phase flotillav1alpha1.RolloutPhase, within time.Duration) *flotillav1alpha1.Application {
	t.Helper()
	var a *flotillav1alpha1.Application
	framework.Eventually(t, within, func() error {
		a = get(t, ns, name)
		st := a.Status.Rollout
		if st == nil || st.Revision != a.Status.CurrentRevision {
			return fmt.Errorf("no rollout of %s yet", a.Status.CurrentRevision)
		}
		if st.Phase != phase {
			return fmt.Errorf("rollout of %s is %s/%s: %s", st.Revision, st.Phase, st.Reason, st.Message)
		}
		return nil
	})
	return a
}

// expectEverywhere checks that every member runs image with all replicas ready and no canary.
func expectEverywhere(t *testing.T, ns, name, image string) {
	t.Helper()
	framework.Eventually(t, time.Minute, func() error {
		for m, e := range observe(t, ns, name) {
			if e.image != image || e.ready != replicas || e.canaryImage != "" {
				return fmt.Errorf("%s runs %s (%d ready) and canary %q, want %s (%d ready) alone", m, e.image, e.ready, e.canaryImage, image, replicas)
			}
		}
		return nil
	})
}

func TestAGoodVersionGoesThroughWavesAndBatchesEverywhere(t *testing.T) {
	ns := namespace(t)
	deploy(t, application(ns, "web", "example.com/web:v1", waves()))
	w := watch(t, ns, "web")
	setImage(t, ns, "web", "example.com/web:v2")
	a := waitPhase(t, ns, "web", flotillav1alpha1.RolloutSucceeded, 3*time.Minute)
	w.check(t, "0/0", "0/1", "1/0", "1/1")
	if a.Status.StableRevision != a.Status.CurrentRevision {
		t.Errorf("stable revision %s, want the released %s", a.Status.StableRevision, a.Status.CurrentRevision)
	}
	expectEverywhere(t, ns, "web", "example.com/web:v2")
}

func TestACrashLoopingVersionIsStoppedInTheFirstWaveAndRolledBackEverywhere(t *testing.T) {
	ns := namespace(t)
	deploy(t, application(ns, "web", "example.com/web:v1", waves()))
	w := watch(t, ns, "web")
	setImage(t, ns, "web", "example.com/web:v2-crashloop")
	a := waitPhase(t, ns, "web", flotillav1alpha1.RolloutAborted, 2*time.Minute)
	w.check(t, "0/0")
	st := a.Status.Rollout
	if st.Reason != flotillav1alpha1.AbortAnalysisFailed || !strings.Contains(st.Message, "canary pods unhealthy: member-1 pod web-canary") || st.Wave != 0 {
		t.Errorf("aborted with %s in wave %d: %s; want AnalysisFailed in wave 0 naming the crashing canary pod", st.Reason, st.Wave, st.Message)
	}
	expectEverywhere(t, ns, "web", "example.com/web:v1")
}

func TestAVersionWithErrorsIsStoppedByPromQLAndRolledBack(t *testing.T) {
	prom := framework.PrometheusURL(t)
	ns := namespace(t)
	errorRatio := flotillav1alpha1.AnalysisMetric{
		Name: "error-ratio",
		Prometheus: &flotillav1alpha1.PrometheusMetric{Address: prom, Query: `sum(rate(flotilla_sample_requests_total{namespace="{{namespace}}",app="{{app}}",track="{{track}}",code=~"5.."}[5s]))` +
			` / sum(rate(flotilla_sample_requests_total{namespace="{{namespace}}",app="{{app}}",track="{{track}}"}[5s]))`},
		MaxIncreaseOverStable: ptr.To("0.05"),
	}
	deploy(t, application(ns, "web", "example.com/web:v1", waves(errorRatio)))
	setImage(t, ns, "web", "example.com/web:v2-errors")
	a := waitPhase(t, ns, "web", flotillav1alpha1.RolloutAborted, 2*time.Minute)
	st := a.Status.Rollout
	if st.Reason != flotillav1alpha1.AbortAnalysisFailed || !strings.Contains(st.Message, "exceeds stable") || st.Wave != 0 {
		t.Errorf("aborted with %s in wave %d: %s; want AnalysisFailed by error-ratio in wave 0", st.Reason, st.Wave, st.Message)
	}
	expectEverywhere(t, ns, "web", "example.com/web:v1")
}

func TestAFleetFreezePausesTwoConcurrentRolloutsUntilItRecovers(t *testing.T) {
	ns := namespace(t)
	hub := framework.HubClient(t)
	for _, name := range []string{"alpha", "beta"} {
		deploy(t, application(ns, name, "example.com/"+name+":v1", waves()))
	}
	freeze := &flotillav1alpha1.ChangeFreeze{ObjectMeta: metav1.ObjectMeta{Name: "fleet-health-" + ns},
		Spec: flotillav1alpha1.ChangeFreezeSpec{Interval: &metav1.Duration{Duration: time.Second}, RecoverAfter: &metav1.Duration{Duration: 3 * time.Second},
			PodCreation: &flotillav1alpha1.PodCreationSignal{MinPods: ptr.To(int32(4)), ReadyTimeout: &metav1.Duration{Duration: 5 * time.Second}}}}
	if err := hub.Create(context.Background(), freeze); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hub.Delete(context.Background(), freeze) })
	// Something else in the fleet goes bad: new pods crash-loop.
	noise := application(ns, "noise", "example.com/noise:v1-crashloop", nil)
	if err := hub.Create(context.Background(), noise); err != nil {
		t.Fatal(err)
	}
	framework.Eventually(t, time.Minute, func() error {
		f := &flotillav1alpha1.ChangeFreeze{}
		if err := hub.Get(context.Background(), client.ObjectKeyFromObject(freeze), f); err != nil {
			return err
		}
		if !f.Status.Frozen {
			return fmt.Errorf("not frozen: %s", f.Status.Message)
		}
		return nil
	})
	for _, name := range []string{"alpha", "beta"} {
		setImage(t, ns, name, "example.com/"+name+":v2")
	}
	for _, name := range []string{"alpha", "beta"} {
		a := waitPhase(t, ns, name, flotillav1alpha1.RolloutPaused, time.Minute)
		if a.Status.Rollout.Reason != flotillav1alpha1.PauseFleetFreeze {
			t.Fatalf("%s paused for %s, want FleetFreeze", name, a.Status.Rollout.Reason)
		}
	}
	time.Sleep(2 * time.Second)
	for _, name := range []string{"alpha", "beta"} {
		for m, e := range observe(t, ns, name) {
			if e.canaryImage != "" || e.image != "example.com/"+name+":v1" {
				t.Errorf("%s in %s changed during the freeze: %+v", name, m, e)
			}
		}
	}
	// The fleet recovers: the freeze lifts and both rollouts finish.
	if err := hub.Delete(context.Background(), noise); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"alpha", "beta"} {
		waitPhase(t, ns, name, flotillav1alpha1.RolloutSucceeded, 3*time.Minute)
		expectEverywhere(t, ns, name, "example.com/"+name+":v2")
	}
}

// revisions counts the ApplicationRevisions of an Application.
func revisions(t *testing.T, ns, name string) int {
	t.Helper()
	var list flotillav1alpha1.ApplicationRevisionList
	if err := framework.HubClient(t).List(context.Background(), &list, client.InNamespace(ns),
		client.MatchingLabels{flotillav1alpha1.LabelRevisionApplication: name}); err != nil {
		t.Fatal(err)
	}
	return len(list.Items)
}

// slowWaves pauses 3 s after every batch, so that a fault lands in the middle of the rollout.
func slowWaves() *flotillav1alpha1.RolloutStrategy {
	s := waves()
	for i := range s.Batches[:2] {
		s.Batches[i].Pause = &flotillav1alpha1.RolloutPause{Duration: &metav1.Duration{Duration: 3 * time.Second}}
	}
	return s
}

// waitStep waits until the rollout of the current revision is at least at wave/batch.
func waitStep(t *testing.T, ns, name string, wave, batch int32) *flotillav1alpha1.RolloutStatus {
	t.Helper()
	var st *flotillav1alpha1.RolloutStatus
	framework.Eventually(t, 2*time.Minute, func() error {
		a := get(t, ns, name)
		st = a.Status.Rollout
		if st == nil || st.Revision != a.Status.CurrentRevision || st.Wave < wave || (st.Wave == wave && st.Batch < batch) {
			return fmt.Errorf("rollout at %+v", st)
		}
		return nil
	})
	return st
}

func TestKillingTheControllerMidRolloutLosesNoStepAndNoRevision(t *testing.T) {
	ns := namespace(t)
	deploy(t, application(ns, "web", "example.com/web:v1", slowWaves()))
	w := watch(t, ns, "web")
	setImage(t, ns, "web", "example.com/web:v2")
	before := waitStep(t, ns, "web", 0, 1)
	f := framework.Fleet(t)
	comp, ok := f.Hub.Component(controllerName)
	if !ok {
		t.Fatal("the hub runs no controller process")
	}
	raw, err := os.ReadFile(comp.PIDPath)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("killing the controller (pid %d): %v", pid, err)
	}
	time.Sleep(2 * time.Second)
	if st := get(t, ns, "web").Status.Rollout; st.Wave < before.Wave || (st.Wave == before.Wave && st.Batch < before.Batch) {
		t.Fatalf("the rollout went back from %d/%d to %d/%d", before.Wave, before.Batch, st.Wave, st.Batch)
	}
	if err := f.StartComponent(context.Background(), devfleet.RoleHub, controllerName); err != nil {
		t.Fatal(err)
	}
	waitPhase(t, ns, "web", flotillav1alpha1.RolloutSucceeded, 3*time.Minute)
	w.check(t, "0/1", "1/0")
	if n := revisions(t, ns, "web"); n != 2 {
		t.Errorf("%d ApplicationRevisions, want 2 (v1 and v2)", n)
	}
	expectEverywhere(t, ns, "web", "example.com/web:v2")
}

func TestAMemberAPIServerDownMidRolloutHoldsItsWaveUntilItReturns(t *testing.T) {
	ns := namespace(t)
	deploy(t, application(ns, "web", "example.com/web:v1", slowWaves()))
	setImage(t, ns, "web", "example.com/web:v2")
	waitStep(t, ns, "web", 1, 0)
	f := framework.Fleet(t)
	if err := f.StopComponent(context.Background(), "member-3", devfleet.ComponentAPIServer); err != nil {
		t.Fatal(err)
	}
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			_ = f.StartComponent(context.Background(), "member-3", devfleet.ComponentAPIServer)
		}
	})
	time.Sleep(8 * time.Second)
	if a := get(t, ns, "web"); a.Status.Rollout.Phase == flotillav1alpha1.RolloutSucceeded || a.Status.Rollout.Phase == flotillav1alpha1.RolloutAborted {
		t.Fatalf("with member-3 down the rollout ended %s: %s", a.Status.Rollout.Phase, a.Status.Rollout.Message)
	}
	if err := f.StartComponent(context.Background(), "member-3", devfleet.ComponentAPIServer); err != nil {
		t.Fatal(err)
	}
	restarted = true
	waitPhase(t, ns, "web", flotillav1alpha1.RolloutSucceeded, 3*time.Minute)
	if n := revisions(t, ns, "web"); n != 2 {
		t.Errorf("%d ApplicationRevisions, want 2 (v1 and v2)", n)
	}
	expectEverywhere(t, ns, "web", "example.com/web:v2")
}
