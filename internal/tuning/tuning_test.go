package tuning

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

func rr(cpuReq, cpuLim, memReq, memLim string) corev1.ResourceRequirements {
	out := corev1.ResourceRequirements{Requests: corev1.ResourceList{}, Limits: corev1.ResourceList{}}
	set := func(l corev1.ResourceList, n corev1.ResourceName, v string) {
		if v != "" {
			l[n] = resource.MustParse(v)
		}
	}
	set(out.Requests, corev1.ResourceCPU, cpuReq)
	set(out.Limits, corev1.ResourceCPU, cpuLim)
	set(out.Requests, corev1.ResourceMemory, memReq)
	set(out.Limits, corev1.ResourceMemory, memLim)
	return out
}

func TestJudgeRevertsOnTheFirstSignalOverItsLimit(t *testing.T) {
	s := settingsOf(&flotillav1alpha1.ResourcePolicySpec{Safety: flotillav1alpha1.TuningSafety{MaxRestarts: ptr.To(int32(1))}})
	for _, tc := range []struct {
		name string
		sig  signals
		want string // "" = keep
	}{
		{"quiet", signals{pods: 3, samples: 100, throttled: 10}, ""},
		{"one restart is allowed", signals{pods: 3, restarts: 1}, ""},
		{"two restarts revert", signals{pods: 3, restarts: 2}, "2 container restart(s)"},
		{"an OOM kill reverts before restarts are counted", signals{pods: 3, restarts: 2, oomKills: 1}, "1 OOM kill(s)"},
		{"throttled most of the time", signals{pods: 2, samples: 10, throttled: 6}, "6 of 10 CPU samples"},
		{"throttled exactly at the limit keeps", signals{pods: 2, samples: 10, throttled: 5}, ""},
		{"too few samples say nothing", signals{pods: 2, samples: 4, throttled: 4}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad, why := judge(tc.sig, s)
			if bad != (tc.want != "") || !strings.Contains(why, tc.want) {
				t.Errorf("judge(%+v) = %v %q, want %q", tc.sig, bad, why, tc.want)
			}
		})
	}
}

func TestOnlyLoweringRevisionsAreWatched(t *testing.T) {
	change := func(before, after corev1.ResourceRequirements) *flotillav1alpha1.TuningRevision {
		return &flotillav1alpha1.TuningRevision{Containers: []flotillav1alpha1.ContainerChange{{Before: before, After: after}}}
	}
	if lowers(change(rr("500m", "", "", "1Gi"), rr("500m", "", "", "2Gi"))) {
		t.Error("a raise counted as lowering")
	}
	if !lowers(change(rr("500m", "", "", "1Gi"), rr("250m", "", "", "2Gi"))) {
		t.Error("a lowered CPU request not seen")
	}
}

func TestSettingsDefaults(t *testing.T) {
	s := settingsOf(&flotillav1alpha1.ResourcePolicySpec{Burst: &flotillav1alpha1.TuningBurst{StepPercent: ptr.To(int32(25))}})
	if s.window != DefaultWindow || s.minInterval != DefaultMinInterval || s.maxStep != DefaultMaxStepPercent || s.minSamples != DefaultMinSamples ||
		s.memoryMargin != DefaultMemoryMargin || s.burst == nil || s.burst.memory != DefaultBurstThreshold || s.burst.step != 25 {
		t.Errorf("defaults not filled in: %+v burst %+v", s, s.burst)
	}
	if got := s.batchSize(10); got != 3 {
		t.Errorf("25%% of 10 pods = %d, want 3 (rounded up)", got)
	}
	s.batch = intstr.FromInt32(0)
	if got := s.batchSize(10); got != 1 {
		t.Errorf("a batch is at least one pod, got %d", got)
	}
}

func TestPodStateAgainstTheRevision(t *testing.T) {
	want := map[appContainer]corev1.ResourceRequirements{{"web", "app"}: rr("250m", "", "128Mi", "")}
	pod := func(spec, status corev1.ResourceRequirements, rev string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{AnnotationRevision: rev}},
			Spec:   corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Resources: spec}, {Name: "sidecar", Resources: rr("10m", "", "", "")}}},
			Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Resources: &status}}}}
	}
	for _, tc := range []struct {
		name string
		pod  *corev1.Pod
		want podState
	}{
		{"old spec", pod(rr("500m", "1", "256Mi", ""), rr("500m", "1", "256Mi", ""), "1"), podToResize},
		{"spec resized, status not yet", pod(rr("250m", "1", "128Mi", ""), rr("500m", "1", "256Mi", ""), "2"), podPending},
		{"runs it but unmarked", pod(rr("250m", "1", "128Mi", ""), rr("250m", "1", "128Mi", ""), ""), podLabel},
		{"updated", pod(rr("250m", "1", "128Mi", ""), rr("250m", "1", "128Mi", ""), "2"), podUpdated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := desiredContainers(tc.pod, "web", want)
			if _, ok := d["sidecar"]; ok {
				t.Error("a container the revision does not name is resized")
			}
			if lim := d["app"].Limits[corev1.ResourceCPU]; lim.String() != "1" {
				t.Errorf("an untuned value (cpu limit) is not kept: %v", d["app"])
			}
			if got := stateOf(tc.pod, d, 2); got != tc.want {
				t.Errorf("state %v, want %v", got, tc.want)
			}
		})
	}
}

func TestResizeNeedsARestartOnlyForRestartContainerResources(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Resources: rr("500m", "", "256Mi", "512Mi"),
		ResizePolicy: []corev1.ContainerResizePolicy{{ResourceName: corev1.ResourceMemory, RestartPolicy: corev1.RestartContainer}}}}}}
	if needsRestart(pod, map[string]corev1.ResourceRequirements{"app": rr("250m", "", "256Mi", "512Mi")}) {
		t.Error("a CPU change restarts a container whose CPU policy is NotRequired")
	}
	if !needsRestart(pod, map[string]corev1.ResourceRequirements{"app": rr("500m", "", "256Mi", "768Mi")}) {
		t.Error("a memory change of a RestartContainer memory policy does not count as a restart")
	}
}

func TestRetryBackoffGrowsAndIsCapped(t *testing.T) {
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second}
	for i, w := range want {
		if got := retryBackoff(int32(i + 1)); got != w {
			t.Errorf("attempt %d: %v, want %v", i+1, got, w)
		}
	}
	if got := retryBackoff(50); got != maxRetryBackoff {
		t.Errorf("attempt 50: %v, want the cap %v", got, maxRetryBackoff)
	}
}

func TestRevertTargets(t *testing.T) {
	p := &flotillav1alpha1.ResourcePolicy{Status: flotillav1alpha1.ResourcePolicyStatus{CurrentRevision: 4, History: []flotillav1alpha1.TuningRevision{
		{Revision: 3, Containers: []flotillav1alpha1.ContainerChange{{Application: "web", Container: "app", Before: rr("1", "", "", ""), After: rr("500m", "", "", "")}}},
		{Revision: 4, Containers: []flotillav1alpha1.ContainerChange{{Application: "web", Container: "app", Before: rr("500m", "", "", ""), After: rr("250m", "", "", "")}}},
	}}}
	f := &fleetView{templates: map[appContainer]corev1.ResourceRequirements{{"web", "app"}: rr("2", "", "", "")}}
	for _, tc := range []struct {
		raw, cpu, err string
	}{
		{"3", "500m", ""}, {"previous", "500m", ""}, {"0", "2", ""},
		{"1", "", "revision 1 is not in the history (it holds 3 to 4)"}, {"-2", "", "not a revision number"}, {"x", "", "not a revision number"},
	} {
		_, after, err := revertTarget(p, f, tc.raw)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.raw, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tc.raw, err)
		}
		if got := after[appContainer{"web", "app"}].Requests[corev1.ResourceCPU]; got.String() != tc.cpu {
			t.Errorf("%q restores cpu %s, want %s", tc.raw, got.String(), tc.cpu)
		}
	}
}

func TestSignalsCountWhatHappenedAfterTheResize(t *testing.T) {
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	pod := func(rev string, restartsNow int32, oomAt time.Time) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{AnnotationRevision: rev, AnnotationRestarts: "2",
			AnnotationResizedAt: at.Format(time.RFC3339Nano)}},
			Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{Name: "app", RestartCount: restartsNow,
				LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", FinishedAt: metav1.Time{Time: oomAt}}}}}}}
	}
	f := &fleetView{pods: map[string][]appPod{"m1": {
		{app: "web", pod: pod("5", 3, at.Add(time.Second))},  // restarted once since, OOM after
		{app: "web", pod: pod("5", 2, at.Add(-time.Minute))}, // nothing since: the OOM is older
		{app: "web", pod: pod("4", 9, at.Add(time.Minute))},  // another revision: not counted
	}}}
	sig := signalsOf(f, 5)
	if sig.pods != 2 || sig.restarts != 1 || sig.oomKills != 1 {
		t.Errorf("signals %+v, want 2 pods, 1 restart, 1 OOM kill", sig)
	}
}
