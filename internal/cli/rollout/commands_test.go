package rollout_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/config"
	"flotilla.dev/flotilla/internal/cli"
	"flotilla.dev/flotilla/internal/devfleet/binaries"
	"flotilla.dev/flotilla/internal/platform/scheme"
)

const (
	newRev    = "web-bbbbbbbbbb"
	stableRev = "web-aaaaaaaaaa"
	gate      = newRev + "/wave-1/batch-1"
)

// hub is a real kube-apiserver with Flotilla's CRDs (no controllers: the tests write status
// themselves), a client for it and an admin kubeconfig for the CLI, with a namespace per test.
type hub struct {
	c          client.Client
	kubeconfig string
	ns         string
}

// shared is the API server of this test binary, started by the first test that needs it.
var shared struct {
	once sync.Once
	env  *envtest.Environment
	hub  hub
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.env != nil {
		_ = shared.env.Stop()
	}
	os.Exit(code)
}

func startHub(t *testing.T) *hub {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: starts kube-apiserver and etcd (run without -short)")
	}
	dir, err := binaries.DefaultPins.Find()
	if err != nil {
		t.Skipf("integration test needs the pinned binaries (make binaries): %v", err)
	}
	shared.once.Do(func() { shared.err = startShared(dir) })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	h := shared.hub
	h.ns = strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	if err := h.c.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: h.ns}}); err != nil {
		t.Fatal(err)
	}
	return &h
}

func startShared(dir string) error {
	crds, err := config.CRDs()
	if err != nil {
		return err
	}
	ctrl.SetLogger(logr.Discard())
	shared.env = &envtest.Environment{BinaryAssetsDirectory: dir, Scheme: scheme.Scheme, CRDs: crds}
	cfg, err := shared.env.Start()
	if err != nil {
		return fmt.Errorf("starting envtest: %w", err)
	}
	user, err := shared.env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return err
	}
	raw, err := user.KubeConfig()
	if err != nil {
		return err
	}
	stateDir, err := os.MkdirTemp("", "flotilla-rollout-test-")
	if err != nil {
		return err
	}
	shared.hub.kubeconfig = filepath.Join(stateDir, "kubeconfig")
	if err := os.WriteFile(shared.hub.kubeconfig, raw, 0o600); err != nil {
		return err
	}
	shared.hub.c, err = client.New(cfg, client.Options{Scheme: scheme.Scheme})
	return err
}

// flotilla runs the command line against the hub and returns its output (stdout then stderr)
// and exit code.
func (h *hub) flotilla(args ...string) (string, int) {
	var out, errOut bytes.Buffer
	code := cli.Execute(context.Background(), h.args(args), &out, &errOut)
	return out.String() + errOut.String(), code
}

// start runs the command line in the background with its output into a pipe; wait returns its
// exit code.
func (h *hub) start(args ...string) (out *bufio.Scanner, wait func() int) {
	r, w := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- cli.Execute(context.Background(), h.args(args), w, w)
		_ = w.Close()
	}()
	return bufio.NewScanner(r), func() int { return <-done }
}

func (h *hub) args(args []string) []string {
	return append(args, "-n", h.ns, "--kubeconfig", h.kubeconfig)
}

// createApp creates the Application "web" with two waves of three batches, the first of which
// pauses at a manual gate.
func (h *hub) createApp(t *testing.T) {
	t.Helper()
	deployment := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":4,
		"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
		"spec":{"containers":[{"name":"web","image":"registry.example.com/web:v2"}]}}}}`
	app := &flotillav1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: h.ns, Name: "web",
		Annotations: map[string]string{"team": "a"}}}
	app.Spec.Resources = []flotillav1alpha1.Manifest{{RawExtension: runtime.RawExtension{Raw: []byte(deployment)}}}
	app.Spec.Rollout = &flotillav1alpha1.RolloutStrategy{
		Waves: []flotillav1alpha1.RolloutWave{{Name: "canary", ClusterNames: []string{"eu-1"}}, {Name: "main"}},
		Batches: []flotillav1alpha1.RolloutBatch{
			{Replicas: intstr.FromInt32(1), Pause: &flotillav1alpha1.RolloutPause{}},
			{Replicas: intstr.FromString("50%")},
		},
	}
	if err := h.c.Create(context.Background(), app); err != nil {
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
	if err := h.c.Status().Update(context.Background(), app); err != nil {
		t.Fatal(err)
	}
}

func (h *hub) get(t *testing.T) *flotillav1alpha1.Application {
	t.Helper()
	app := &flotillav1alpha1.Application{}
	if err := h.c.Get(context.Background(), client.ObjectKey{Namespace: h.ns, Name: "web"}, app); err != nil {
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

	if out, code := h.flotilla("rollout", "promote", "web"); code != 1 || !strings.Contains(out, "application web has no rollout in progress (status.rollout is empty)") {
		t.Fatalf("promote without a rollout: exit %d\n%s", code, out)
	}
	h.setRollout(t, atGate())
	var completion, errOut bytes.Buffer
	cli.Execute(context.Background(), []string{"__complete", "rollout", "promote", "-n", h.ns, "--kubeconfig", h.kubeconfig, ""}, &completion, &errOut)
	if out := completion.String(); !strings.Contains(out, "web\n") {
		t.Fatalf("completion of rollout promote does not offer the Application:\n%s", out)
	}

	out, code := h.flotilla("rollout", "promote", "web")
	if app := h.get(t); code != 0 || !strings.Contains(out, "gate "+gate+" is open") || app.Annotations[flotillav1alpha1.AnnotationPromote] != gate {
		t.Fatalf("promote: exit %d, annotations %v\n%s", code, app.Annotations, out)
	}
	out, code = h.flotilla("rollout", "promote", "web", "--full")
	if app := h.get(t); code != 0 || app.Annotations[flotillav1alpha1.AnnotationPromoteFull] != newRev {
		t.Fatalf("promote --full: exit %d, annotations %v\n%s", code, app.Annotations, out)
	}

	out, code = h.flotilla("rollout", "pause", "web")
	app := h.get(t)
	if code != 0 || !app.Spec.Rollout.Paused || !strings.Contains(out, "paused") {
		t.Fatalf("pause: exit %d, paused %v\n%s", code, app.Spec.Rollout.Paused, out)
	}
	if app.Annotations["team"] != "a" || app.Annotations[flotillav1alpha1.AnnotationPromote] != gate || app.Status.Rollout == nil || len(app.Spec.Rollout.Batches) != 2 {
		t.Fatalf("pause clobbered what it did not set: annotations %v, spec.rollout %+v, status.rollout %v", app.Annotations, app.Spec.Rollout, app.Status.Rollout)
	}

	out, code = h.flotilla("rollout", "abort", "web")
	if app := h.get(t); code != 0 || app.Annotations[flotillav1alpha1.AnnotationAbort] != newRev || !strings.Contains(out, "back to the stable revision "+stableRev) {
		t.Fatalf("abort: exit %d, annotations %v\n%s", code, app.Annotations, out)
	}

	before := time.Now().Add(-time.Second)
	out, code = h.flotilla("rollout", "resume", "web")
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

	if out, code := h.flotilla("rollout", "status", "web", "--watch=false"); code != 0 || !strings.Contains(out, "Paused (ManualGate)") || !strings.Contains(out, "rollout promote web") {
		t.Fatalf("status --watch=false at a gate: exit %d\n%s", code, out)
	}
	if out, code := h.flotilla("rollout", "status", "web", "--timeout", "1s"); code != 1 || !strings.Contains(out, "timed out after 1s") || !strings.Contains(out, "waiting at gate "+gate) {
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

	if out, code := h.flotilla("rollout", "status", "web", "--watch=false"); code != 1 || !strings.Contains(out, "Aborted (AnalysisFailed)") ||
		!strings.Contains(out, "error: application web: rollout of "+newRev+" was aborted (AnalysisFailed") || !strings.Contains(out, "0.31") {
		t.Fatalf("status --watch=false of an aborted rollout: exit %d\n%s", code, out)
	}

	succeeded := &flotillav1alpha1.RolloutStatus{Phase: flotillav1alpha1.RolloutSucceeded, Wave: 1, Batch: 2, Message: newRev + " released to every cluster"}
	h.setRollout(t, succeeded)
	if out, code := h.flotilla("rollout", "status", "web"); code != 0 || !strings.Contains(out, `application "web" successfully rolled out: `+newRev+" released to every cluster") {
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
