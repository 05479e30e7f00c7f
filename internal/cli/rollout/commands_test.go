package rollout_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli"
	"flotilla.dev/flotilla/internal/cli/clitest"
)

const (
	newRev    = "web-bbbbbbbbbb"
	stableRev = "web-aaaaaaaaaa"
	gate      = newRev + "/wave-1/batch-1"
)

// hub is a real kube-apiserver with Flotilla's CRDs (no controllers: the tests write status
// themselves), a client for it and an admin kubeconfig for the CLI, with a namespace per test.
type hub struct{ *clitest.Hub }

// server is the API server of this test binary, started by the first test that needs it.
var server clitest.Server

func TestMain(m *testing.M) {
	code := m.Run()
	server.Stop()
	os.Exit(code)
}

func startHub(t *testing.T) *hub {
	t.Helper()
	return &hub{server.Hub(t)}
}

// start runs the command line in the background with its output into a pipe; wait returns its
// exit code.
func (h *hub) start(args ...string) (out *bufio.Scanner, wait func() int) {
	r, w := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- cli.Execute(context.Background(), h.Args(args), w, w)
		_ = w.Close()
	}()
	return bufio.NewScanner(r), func() int { return <-done }
}

// createApp creates the Application "web" with two waves of three batches, the first of which
// pauses at a manual gate.
func (h *hub) createApp(t *testing.T) {
	t.Helper()
	deployment := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":4,
		"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
		"spec":{"containers":[{"name":"web","image":"registry.example.com/web:v2"}]}}}}`
	app := &flotillav1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: h.NS, Name: "web",
		Annotations: map[string]string{"team": "a"}}}
	app.Spec.Resources = []flotillav1alpha1.Manifest{{RawExtension: runtime.RawExtension{Raw: []byte(deployment)}}}
	app.Spec.Rollout = &flotillav1alpha1.RolloutStrategy{
		Waves: []flotillav1alpha1.RolloutWave{{Name: "canary", ClusterNames: []string{"eu-1"}}, {Name: "main"}},
		Batches: []flotillav1alpha1.RolloutBatch{
			{Replicas: intstr.FromInt32(1), Pause: &flotillav1alpha1.RolloutPause{}},
			{Replicas: intstr.FromString("50%")},
		},
	}
	if err := h.C.Create(context.Background(), app); err != nil {
		t.Fatal(err)
	}
}

// setRollout writes status.rollout through the status subresource, as the controller does.
func (h *hub) setRollout(t *testing.T, st *flotillav1alpha1.RolloutStatus) {
	t.Helper()
	app := h.get(t)
	app.Status.ObservedGeneration = app.Generation
	app.Status.CurrentRevision, app.Status.StableRevision = newRev, stableRev
	st.Revision, st.Waves, st.Batches = newRev, 2, 3
	st.StartedAt = &metav1.Time{Time: time.Now().Add(-time.Minute)}
	st.Clusters = []flotillav1alpha1.RolloutCluster{
		{Name: "eu-1", Wave: 0, Revision: stableRev, Replicas: 4, Canary: 1, CanaryReady: 1, Stable: 3},
		{Name: "us-1", Wave: 1, Revision: stableRev, Replicas: 4, Stable: 4, Settled: true},
	}
	app.Status.Rollout = st
	if err := h.C.Status().Update(context.Background(), app); err != nil {
		t.Fatal(err)
	}
}

func (h *hub) get(t *testing.T) *flotillav1alpha1.Application {
	t.Helper()
	app := &flotillav1alpha1.Application{}
	if err := h.C.Get(context.Background(), client.ObjectKey{Namespace: h.NS, Name: "web"}, app); err != nil {
		t.Fatal(err)
	}
	return app
}

func atGate() *flotillav1alpha1.RolloutStatus {
	return &flotillav1alpha1.RolloutStatus{Phase: flotillav1alpha1.RolloutPaused, Reason: flotillav1alpha1.PauseGate,
		WaveName: "canary", Gate: gate, PausedAt: &metav1.Time{Time: time.Now()},
		Message: "wave canary, batch 1/3 ready; waiting at gate " + gate + " for `flotilla rollout promote`"}
}

func abortedByAnalysis() *flotillav1alpha1.RolloutStatus {
	now := metav1.Now()
	return &flotillav1alpha1.RolloutStatus{Phase: flotillav1alpha1.RolloutAborted, Reason: flotillav1alpha1.AbortAnalysisFailed,
		WaveName: "canary", AbortedAt: &now, FinishedAt: &now,
		Message: "analysis failed: error-rate: 0.31 > max 0.05; every cluster runs " + stableRev + " again, available",
		Analysis: &flotillav1alpha1.AnalysisStatus{Phase: flotillav1alpha1.MeasurementFailed, Count: 4, ConsecutiveFailures: 1, MeasuredAt: &now,
			Metrics: []flotillav1alpha1.MetricResult{{Name: "error-rate", Phase: flotillav1alpha1.MeasurementFailed, Value: "0.31", StableValue: "0.01",
				Message: "error ratio 0.31 > max 0.05"}}}}
}

func TestSteeringARolloutFromTheCommandLine(t *testing.T) {
	h := startHub(t)
	h.createApp(t)

	if out, code := h.Flotilla("rollout", "promote", "web"); code != 1 || !strings.Contains(out, "application web has no rollout in progress (status.rollout is empty)") {
		t.Fatalf("promote without a rollout: exit %d\n%s", code, out)
	}
	h.setRollout(t, atGate())
	var completion, errOut bytes.Buffer
	cli.Execute(context.Background(), []string{"__complete", "rollout", "promote", "-n", h.NS, "--kubeconfig", h.Kubeconfig, ""}, &completion, &errOut)
	if out := completion.String(); !strings.Contains(out, "web\n") {
		t.Fatalf("completion of rollout promote does not offer the Application:\n%s", out)
	}

	out, code := h.Flotilla("rollout", "promote", "web")
	if app := h.get(t); code != 0 || !strings.Contains(out, "gate "+gate+" is open") || app.Annotations[flotillav1alpha1.AnnotationPromote] != gate {
		t.Fatalf("promote: exit %d, annotations %v\n%s", code, app.Annotations, out)
	}
	out, code = h.Flotilla("rollout", "promote", "web", "--full")
	if app := h.get(t); code != 0 || app.Annotations[flotillav1alpha1.AnnotationPromoteFull] != newRev {
		t.Fatalf("promote --full: exit %d, annotations %v\n%s", code, app.Annotations, out)
	}

	out, code = h.Flotilla("rollout", "pause", "web")
	app := h.get(t)
	if code != 0 || !app.Spec.Rollout.Paused || !strings.Contains(out, "paused") {
		t.Fatalf("pause: exit %d, paused %v\n%s", code, app.Spec.Rollout.Paused, out)
	}
	if app.Annotations["team"] != "a" || app.Annotations[flotillav1alpha1.AnnotationPromote] != gate || app.Status.Rollout == nil || len(app.Spec.Rollout.Batches) != 2 {
		t.Fatalf("pause clobbered what it did not set: annotations %v, spec.rollout %+v, status.rollout %v", app.Annotations, app.Spec.Rollout, app.Status.Rollout)
	}

	out, code = h.Flotilla("rollout", "abort", "web")
	if app := h.get(t); code != 0 || app.Annotations[flotillav1alpha1.AnnotationAbort] != newRev || !strings.Contains(out, "back to the stable revision "+stableRev) {
		t.Fatalf("abort: exit %d, annotations %v\n%s", code, app.Annotations, out)
	}

	before := time.Now().Add(-time.Second)
	out, code = h.Flotilla("rollout", "resume", "web")
	app = h.get(t)
	resumedAt, err := time.Parse(time.RFC3339, app.Annotations[flotillav1alpha1.AnnotationResumedAt])
	if code != 0 || app.Spec.Rollout.Paused || err != nil || resumedAt.Before(before) || resumedAt.Location() != time.UTC {
		t.Fatalf("resume: exit %d, paused %v, resumed-at %q (%v)\n%s", code, app.Spec.Rollout.Paused, app.Annotations[flotillav1alpha1.AnnotationResumedAt], err, out)
	}
	if _, still := app.Annotations[flotillav1alpha1.AnnotationAbort]; still || app.Annotations["team"] != "a" {
		t.Fatalf("resume: annotations %v, want the abort removed and the others kept", app.Annotations)
	}
	if !strings.Contains(out, "still waits at gate "+gate) {
		t.Fatalf("resume does not say that the gate stays closed:\n%s", out)
	}
}

func TestStatusFromTheCommandLine(t *testing.T) {
	h := startHub(t)
	h.createApp(t)
	h.setRollout(t, atGate())

	if out, code := h.Flotilla("rollout", "status", "web", "--watch=false"); code != 0 || !strings.Contains(out, "Paused (ManualGate)") || !strings.Contains(out, "rollout promote web") {
		t.Fatalf("status --watch=false at a gate: exit %d\n%s", code, out)
	}
	if out, code := h.Flotilla("rollout", "status", "web", "--timeout", "1s"); code != 1 || !strings.Contains(out, "timed out after 1s") || !strings.Contains(out, "waiting at gate "+gate) {
		t.Fatalf("status at a gate until the timeout: exit %d\n%s", code, out)
	}

	// A watch reports the gate, sees the rollout abort and exits 1 with the reason and the
	// measured values.
	lines, wait := h.start("rollout", "status", "web", "--timeout", "30s")
	var out strings.Builder
	for lines.Scan() {
		out.WriteString(lines.Text() + "\n")
		if strings.HasPrefix(lines.Text(), "Paused (ManualGate)") {
			h.setRollout(t, abortedByAnalysis())
		}
	}
	if code := wait(); code != 1 || !strings.Contains(out.String(), "Paused (ManualGate): wave canary, batch 1/3 ready") ||
		!strings.Contains(out.String(), "was aborted (AnalysisFailed: analysis failed: error-rate: 0.31 > max 0.05") ||
		!strings.Contains(out.String(), "error-rate  Failed  0.31   0.01    error ratio 0.31 > max 0.05") {
		t.Fatalf("status watching an abort: exit %d\n%s", code, out.String())
	}

	if out, code := h.Flotilla("rollout", "status", "web", "--watch=false"); code != 1 || !strings.Contains(out, "Aborted (AnalysisFailed)") ||
		!strings.Contains(out, "error: application web: rollout of "+newRev+" was aborted (AnalysisFailed") || !strings.Contains(out, "0.31") {
		t.Fatalf("status --watch=false of an aborted rollout: exit %d\n%s", code, out)
	}

	succeeded := &flotillav1alpha1.RolloutStatus{Phase: flotillav1alpha1.RolloutSucceeded, Wave: 1, Batch: 2, Message: newRev + " released to every cluster"}
	h.setRollout(t, succeeded)
	if out, code := h.Flotilla("rollout", "status", "web"); code != 0 || !strings.Contains(out, `application "web" successfully rolled out: `+newRev+" released to every cluster") {
		t.Fatalf("status of a finished rollout: exit %d\n%s", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"rollout", "status"},
		{"rollout", "status", "web", "db"},
		{"rollout", "status", "web", "--timeout", "-1s"},
		{"rollout", "promote", "web", "--fulll"},
		{"rollout", "pause"},
		{"rollout", "resume", "web", "db"},
		{"rollout", "abort"},
	} {
		var out, errOut bytes.Buffer
		if code := cli.Execute(context.Background(), args, &out, &errOut); code != 2 {
			t.Errorf("%v: exit %d, want 2 (a usage error)\n%s%s", args, code, out.String(), errOut.String())
		}
	}
}
