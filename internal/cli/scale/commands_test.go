package scale_test

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli"
	"flotilla.dev/flotilla/internal/cli/clitest"
	"flotilla.dev/flotilla/internal/cli/scale"
)

// server is the API server of this test binary, started by the first test that needs it.
var server clitest.Server

func TestMain(m *testing.M) {
	code := m.Run()
	server.Stop()
	os.Exit(code)
}

func TestScalingByHandAndUnderAnAutoscaler(t *testing.T) {
	h := server.Hub(t)
	createApp(t, h)

	before := time.Now().Add(-time.Second)
	out, code := h.Flotilla("scale", "web", "--replicas", "6")
	app := getApp(t, h)
	if code != 0 || out != "application web scaled to 6 replicas (was unset: the workload's spec.replicas)\n" || ptr.Deref(app.Spec.Replicas, -1) != 6 {
		t.Fatalf("scale an application without spec.replicas: exit %d, spec.replicas %v\n%s", code, app.Spec.Replicas, out)
	}
	scaledBy := app.Annotations[scale.AnnotationScaledBy]
	at, err := time.Parse(time.RFC3339, strings.TrimPrefix(scaledBy, "flotilla scale by envtest at "))
	if err != nil || at.Before(before) || at.After(time.Now()) || app.Annotations["team"] != "a" {
		t.Fatalf("annotations after scale: %v (%v), want %s = \"flotilla scale by envtest at <now>\" and the others kept",
			app.Annotations, err, scale.AnnotationScaledBy)
	}
	if out, code := h.Flotilla("scale", "web", "--replicas", "8"); code != 0 || out != "application web scaled to 8 replicas (was 6)\n" {
		t.Fatalf("scale again: exit %d\n%s", code, out)
	}

	createAutoscalers(t, h)
	out, code = h.Flotilla("scale", "web", "--replicas", "3")
	if code != 1 || !strings.Contains(out, "application web is scaled by FleetAutoscaler web-rps (minReplicas 2, maxReplicas 20, evaluated every 10s), "+
		"which will override the count at its next evaluation. Change the autoscaler's minReplicas/maxReplicas or schedules instead") ||
		!strings.Contains(out, "--force") || strings.Contains(out, "FleetAutoscaler api") || ptr.Deref(getApp(t, h).Spec.Replicas, -1) != 8 {
		t.Fatalf("scale under an autoscaler without --force: exit %d, want 1 naming web-rps and nothing scaled\n%s", code, out)
	}
	out, code = h.Flotilla("scale", "web", "--replicas", "3", "--force")
	if code != 0 || !strings.Contains(out, "application web scaled to 3 replicas (was 8)") ||
		!strings.Contains(out, "warning: application web is scaled by FleetAutoscaler web-rps") || ptr.Deref(getApp(t, h).Spec.Replicas, -1) != 3 {
		t.Fatalf("scale --force under an autoscaler: exit %d\n%s", code, out)
	}
}

// An autoscaler's status, written as the controller would, is listed by get autoscalers.
func TestListingAutoscalers(t *testing.T) {
	h := server.Hub(t)
	ctx := context.Background()
	fa := createAutoscalers(t, h)
	now := metav1.Now()
	condition := func(typ, status, reason string) metav1.Condition {
		return metav1.Condition{Type: typ, Status: metav1.ConditionStatus(status), Reason: reason, Message: reason, LastTransitionTime: now}
	}
	fa.Status = flotillav1alpha1.FleetAutoscalerStatus{CurrentReplicas: 3, DesiredReplicas: 6, MinReplicas: 4, MaxReplicas: 20,
		ActiveSchedules: []string{"evening"}, LastScaleTime: &metav1.Time{Time: now.Add(-3 * time.Minute)},
		LastScaleReason: "rps=240 recommends 10 replicas, above the schedule evening's minimum of 4 and within the rate policies of the fleet",
		CurrentMetrics:  []flotillav1alpha1.ScalingMetricStatus{{Name: "rps", Value: "240", Replicas: 10}, {Name: "cpu", Message: "no pods"}},
		Conditions: []metav1.Condition{condition(flotillav1alpha1.ConditionAbleToScale, "True", "ReadyForNewScale"),
			condition(flotillav1alpha1.ConditionScalingActive, "True", "ValidMetricFound"),
			condition(flotillav1alpha1.ConditionScalingLimited, "False", "DesiredWithinRange")}}
	if err := h.C.Status().Update(ctx, fa); err != nil {
		t.Fatal(err)
	}
	out, code := h.Flotilla("get", "autoscalers", "-o", "wide")
	want := regexp.MustCompile(`^NAME +TARGET +MIN +MAX +CURRENT +DESIRED +ACTIVE-SCHEDULES +AGE +METRICS +LAST-SCALE +SCALING-ACTIVE +SCALING-LIMITED
api +api +1 +5 +<unknown> +<unknown> +<none> +\d+s +<none> +<none> +<none> +<none>
web-rps +web +4 +20 +3 +6 +evening +\d+s +rps=240,cpu=\? +3m ago: rps=240 recommends 10 replicas, above the schedule\.\.\. +ValidMetricFound +DesiredWithinRange
$`)
	if code != 0 || !want.MatchString(out) {
		t.Fatalf("get autoscalers -o wide: exit %d\n%s", code, out)
	}
	if out, code := h.Flotilla("get", "fa", "-A"); code != 0 || !regexp.MustCompile(`(?m)^NAMESPACE +NAME +TARGET .*\n(.*\n)*`+h.NS+` +web-rps +web +4 +20 `).MatchString(out) {
		t.Fatalf("get fa -A: exit %d\n%s", code, out)
	}
	if out, code := h.Flotilla("get", "autoscaler", "web-rps", "-o", "yaml"); code != 0 || !strings.Contains(out, "kind: FleetAutoscaler") ||
		!strings.Contains(out, "lastScaleReason: rps=240") {
		t.Fatalf("get autoscaler NAME -o yaml: exit %d\n%s", code, out)
	}
	var completion, errOut bytes.Buffer
	cli.Execute(ctx, append(h.Args([]string{"__complete", "get", "autoscalers"}), ""), &completion, &errOut)
	if !strings.Contains(completion.String(), "web-rps\n") || !strings.Contains(completion.String(), "api\n") {
		t.Fatalf("completion of get autoscalers does not offer the autoscalers:\n%s", completion.String())
	}
}

// Scaling an Application that does not exist fails naming it; an empty namespace has no autoscalers.
func TestScalingWhatIsNotThere(t *testing.T) {
	h := server.Hub(t)
	if out, code := h.Flotilla("scale", "nope", "--replicas", "1"); code != 1 || !strings.Contains(out, `application `+h.NS+`/nope: applications.flotilla.dev "nope" not found`) {
		t.Fatalf("scale of a missing application: exit %d\n%s", code, out)
	}
	if out, code := h.Flotilla("get", "autoscalers"); code != 0 || !strings.HasPrefix(out, "No autoscalers found.") {
		t.Fatalf("get autoscalers in an empty namespace: exit %d\n%s", code, out)
	}
}

// createAutoscalers creates the FleetAutoscaler "web-rps" of the Application web, which it
// returns, and "api" of another Application.
func createAutoscalers(t *testing.T, h *clitest.Hub) *flotillav1alpha1.FleetAutoscaler {
	t.Helper()
	fa := &flotillav1alpha1.FleetAutoscaler{ObjectMeta: metav1.ObjectMeta{Namespace: h.NS, Name: "web-rps"},
		Spec: flotillav1alpha1.FleetAutoscalerSpec{TargetRef: flotillav1alpha1.ApplicationReference{Name: "web"},
			MinReplicas: ptr.To[int32](2), MaxReplicas: 20, Interval: &metav1.Duration{Duration: 10 * time.Second},
			Schedules: []flotillav1alpha1.ScalingSchedule{{Name: "evening", Schedule: "30 19 * * *", TimeZone: "Asia/Shanghai",
				Duration: metav1.Duration{Duration: 3*time.Hour + 30*time.Minute}, MinReplicas: ptr.To[int32](4)}}}}
	other := &flotillav1alpha1.FleetAutoscaler{ObjectMeta: metav1.ObjectMeta{Namespace: h.NS, Name: "api"},
		Spec: flotillav1alpha1.FleetAutoscalerSpec{TargetRef: flotillav1alpha1.ApplicationReference{Name: "api"}, MaxReplicas: 5}}
	for _, o := range []client.Object{fa, other} {
		if err := h.C.Create(context.Background(), o); err != nil {
			t.Fatal(err)
		}
	}
	return fa
}

// createApp creates the Application "web" with a Deployment of 4 replicas and no spec.replicas.
func createApp(t *testing.T, h *clitest.Hub) {
	t.Helper()
	deployment := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":4,
		"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
		"spec":{"containers":[{"name":"web","image":"registry.example.com/web:v1"}]}}}}`
	app := &flotillav1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: h.NS, Name: "web", Annotations: map[string]string{"team": "a"}}}
	app.Spec.Resources = []flotillav1alpha1.Manifest{{RawExtension: runtime.RawExtension{Raw: []byte(deployment)}}}
	if err := h.C.Create(context.Background(), app); err != nil {
		t.Fatal(err)
	}
}

func getApp(t *testing.T, h *clitest.Hub) *flotillav1alpha1.Application {
	t.Helper()
	app := &flotillav1alpha1.Application{}
	if err := h.C.Get(context.Background(), client.ObjectKey{Namespace: h.NS, Name: "web"}, app); err != nil {
		t.Fatal(err)
	}
	return app
}
