package freeze

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

var now = time.Date(2026, 11, 24, 17, 30, 0, 0, time.UTC)

func newPod(age time.Duration, ready, crash bool) corev1.Pod {
	p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(now.Add(-age))}}
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}
	if crash {
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}}
	}
	return p
}

func pods(n int, age time.Duration, ready, crash bool) []corev1.Pod {
	out := make([]corev1.Pod, n)
	for i := range out {
		out[i] = newPod(age, ready, crash)
	}
	return out
}

func TestPodCreation(t *testing.T) {
	cases := []struct {
		name               string
		pods               []corev1.Pod
		known, degraded    bool
		wantValue, wantMsg string
	}{
		{name: "too few pods to judge", pods: pods(4, time.Minute, false, true), wantMsg: "4 new pods"},
		{name: "all ready", pods: pods(10, time.Minute, true, false), known: true, wantValue: "100%"},
		{name: "crash loops degrade", pods: append(pods(5, time.Minute, true, false), pods(5, 5*time.Second, false, true)...),
			known: true, degraded: true, wantValue: "50%"},
		{name: "young unready pods are not counted", pods: append(pods(5, time.Minute, true, false), pods(5, 5*time.Second, false, false)...),
			known: true, wantValue: "100%"},
		{name: "old pods are outside the window", pods: pods(10, time.Hour, false, true), wantMsg: "0 new pods"},
		{name: "stuck unready pods degrade", pods: append(pods(5, time.Minute, true, false), pods(5, time.Minute, false, false)...),
			known: true, degraded: true, wantValue: "50%"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := PodCreation(&flotillav1alpha1.PodCreationSignal{}, tc.pods, now)
			if s.Known != tc.known || s.Degraded != tc.degraded || s.Value != tc.wantValue || !strings.Contains(s.Message, tc.wantMsg) {
				t.Fatalf("got %+v", s)
			}
		})
	}
}

func TestNextFreezesAtOnceAndLiftsAfterRecovery(t *testing.T) {
	spec := &flotillav1alpha1.ChangeFreezeSpec{RecoverAfter: &metav1.Duration{Duration: 10 * time.Second}}
	bad, good := Sample{Known: true, Degraded: true, Value: "50%"}, Sample{Known: true, Value: "100%"}
	st := Next(spec, flotillav1alpha1.ChangeFreezeStatus{}, bad, now)
	if !st.Frozen || !st.Since.Time.Equal(now) {
		t.Fatalf("degraded: %+v, want frozen since now", st)
	}
	st = Next(spec, st, Sample{Message: "no data"}, now.Add(5*time.Second))
	if !st.Frozen || st.HealthySince != nil {
		t.Fatalf("no data: %+v, want still frozen with no recovery started", st)
	}
	st = Next(spec, st, good, now.Add(6*time.Second))
	if !st.Frozen || st.HealthySince == nil {
		t.Fatalf("healthy once: %+v, want still frozen, recovering", st)
	}
	st = Next(spec, st, good, now.Add(17*time.Second))
	if st.Frozen {
		t.Fatalf("healthy for 11s: %+v, want lifted", st)
	}
	if st = Next(&flotillav1alpha1.ChangeFreezeSpec{Frozen: true}, st, good, now); !st.Frozen {
		t.Fatalf("spec.frozen: %+v, want frozen", st)
	}
}

func TestJudge(t *testing.T) {
	q := &flotillav1alpha1.FreezeQuery{Max: ptr.To("0.05")}
	if s := Judge(q, ptr.To(0.2)); !s.Degraded || s.Message != "0.2 > max 0.05" {
		t.Fatalf("over max: %+v", s)
	}
	if s := Judge(q, nil); s.Known {
		t.Fatalf("no data: %+v, want unknown", s)
	}
}
