package rollout

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli"
	"flotilla.dev/flotilla/test/framework"
)

// flotilla runs the CLI against the hub and returns its exit code and output.
func flotilla(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append(args, "--kubeconfig", framework.Fleet(t).Hub.KubeconfigPath)
	code := cli.Execute(context.Background(), args, &out, &errOut)
	return code, out.String() + errOut.String()
}

func TestAGatedRolloutIsPromotedAndAnotherAbortedThroughTheCLI(t *testing.T) {
	ns := namespace(t)
	gated := waves()
	gated.Waves[0].Pause = &flotillav1alpha1.RolloutPause{} // a manual gate after the canary wave
	deploy(t, application(ns, "web", "example.com/web:v1", gated))
	setImage(t, ns, "web", "example.com/web:v2")
	a := waitPhase(t, ns, "web", flotillav1alpha1.RolloutPaused, 2*time.Minute)
	if a.Status.Rollout.Reason != flotillav1alpha1.PauseGate || a.Status.Rollout.Gate == "" {
		t.Fatalf("paused for %s at gate %q, want the gate after the canary wave", a.Status.Rollout.Reason, a.Status.Rollout.Gate)
	}
	code, out := flotilla(t, "rollout", "status", "web", "-n", ns, "--watch=false")
	if code != 0 || !strings.Contains(out, "ManualGate") || !strings.Contains(out, "member-1") {
		t.Fatalf("rollout status exited %d:\n%s", code, out)
	}
	for m, e := range observe(t, ns, "web") {
		if m != "member-1" && (e.image != "example.com/web:v1" || e.canaryImage != "") {
			t.Fatalf("%s changed before the gate was promoted: %+v", m, e)
		}
	}
	if code, out := flotilla(t, "rollout", "promote", "web", "-n", ns); code != 0 {
		t.Fatalf("promote exited %d: %s", code, out)
	}
	if code, out := flotilla(t, "rollout", "status", "web", "-n", ns, "--timeout", "3m"); code != 0 {
		t.Fatalf("rollout status --watch exited %d after the promotion:\n%s", code, out)
	}
	expectEverywhere(t, ns, "web", "example.com/web:v2")

	// The next release is aborted by hand while it waits at the gate: everything goes back.
	setImage(t, ns, "web", "example.com/web:v3")
	waitPhase(t, ns, "web", flotillav1alpha1.RolloutPaused, 2*time.Minute)
	if code, out := flotilla(t, "rollout", "abort", "web", "-n", ns); code != 0 {
		t.Fatalf("abort exited %d: %s", code, out)
	}
	code, out = flotilla(t, "rollout", "status", "web", "-n", ns, "--timeout", "2m")
	if code != 1 || !strings.Contains(out, "Aborted") {
		t.Fatalf("rollout status of an aborted rollout exited %d, want 1:\n%s", code, out)
	}
	expectEverywhere(t, ns, "web", "example.com/web:v2")
}
