package metrics

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/devfleet"
	"flotilla.dev/flotilla/internal/devfleet/usage"
	"flotilla.dev/flotilla/test/framework"
)

// TestTheMetricsEndpointExposesEveryDocumentedSeries drives every capability once — an
// Application propagated to both members and released again through an analysed rollout, an
// autoscaler that scales up while one of its metrics cannot be read, a ResourcePolicy that
// samples and resizes, a change freeze, a console request, audit records — then scrapes the
// controller and wants every metric of docs/observability.md's tables in the exposition, with at
// least one series. Along the way the capabilities' events land on the users' objects, and the
// controller logs JSON.
func TestTheMetricsEndpointExposesEveryDocumentedSeries(t *testing.T) {
	documented := documentedMetrics(t)
	ns := namespace(t)
	t.Run("drive", func(t *testing.T) {
		t.Run("propagation and rollout", func(t *testing.T) { t.Parallel(); propagateAndRollOut(t, ns) })
		t.Run("autoscaler", func(t *testing.T) { t.Parallel(); scaleUp(t, ns) })
		t.Run("tuning", func(t *testing.T) { t.Parallel(); tune(t, ns) })
		t.Run("console", func(t *testing.T) { t.Parallel(); askTheConsole(t) })
	})
	freeze(t) // after the rollout: a freeze holds rollouts
	if t.Failed() {
		return
	}

	var missing []string
	framework.Eventually(t, time.Minute, func() error {
		exposed, samples, err := scrape(t)
		if err != nil {
			return err
		}
		missing = missing[:0]
		for name, typ := range documented {
			if got, ok := exposed[name]; !ok || got.series == 0 {
				missing = append(missing, name)
			} else if got.typ != typ {
				return fmt.Errorf("%s is a %s, docs/observability.md says %s", name, got.typ, typ)
			}
		}
		slices.Sort(missing)
		if len(missing) > 0 {
			return fmt.Errorf("the metrics endpoint lacks %d documented metrics: %v", len(missing), missing)
		}
		return whatHappened(samples, ns)
	})
	comp, _ := framework.Fleet(t).Hub.Component(controllerName)
	logsAreJSON(t, comp.LogPath)
}

// whatHappened checks that the series say what the test did.
func whatHappened(samples []sample, ns string) error {
	inNS := `namespace="` + ns + `"`
	for _, want := range []struct {
		name   string
		labels []string
		min    float64
	}{
		{"flotilla_cluster_ready", []string{`cluster="member-1"`}, 1},
		{"flotilla_rollout_phase", []string{inNS, `application="web"`, `phase="Succeeded"`}, 1},
		{"flotilla_rollout_analysis_measurements_total", []string{inNS, `metric="error-rate"`, `phase="Successful"`}, 1},
		{"flotilla_rollout_analysis_value", []string{inNS, `track="canary"`}, 0.25},
		{"flotilla_change_freeze_frozen", []string{`name="metrics-e2e"`}, 1},
		{"flotilla_autoscaler_desired_replicas", []string{inNS, `name="api"`}, 3},
		{"flotilla_autoscaler_scale_total", []string{inNS, `name="api"`, `direction="up"`}, 1},
		{"flotilla_autoscaler_metric_errors_total", []string{inNS, `metric="qps"`}, 1},
		{"flotilla_tuning_revisions_total", []string{inNS, `name="fat"`, `reason="Recommendation"`}, 1},
		{"flotilla_tuning_resizes_total", []string{`result="success"`}, 1},
		{"flotilla_tuning_samples_total", nil, 1},
		{"flotilla_tuning_profiles", nil, 1},
		{"flotilla_audit_records_total", []string{`source="flotilla"`}, 1},
		{"flotilla_audit_records_total", []string{`source="apiserver"`}, 1},
		{"flotilla_audit_store_bytes", nil, 1},
		{"flotilla_console_requests_total", []string{`route="GET /api/v1/whoami"`, `code="401"`}, 1},
	} {
		if got := sum(samples, want.name, want.labels...); got < want.min {
			return fmt.Errorf("%s%v = %v, want at least %v", want.name, want.labels, got, want.min)
		}
	}
	return nil
}

func namespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "metrics-"}}
	if err := framework.HubClient(t).Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = framework.HubClient(t).Delete(context.Background(), ns) })
	return ns.Name
}

// create creates obj in the hub. Objects stay until the test's namespace goes: deleting one
// deletes its series, which the test scrapes once every capability has run.
func create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := framework.HubClient(t).Create(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, key types.NamespacedName, obj client.Object) {
	t.Helper()
	if err := framework.HubClient(t).Get(context.Background(), key, obj); err != nil {
		t.Fatal(err)
	}
}

func small() corev1.ResourceRequirements {
	return corev1.ResourceRequirements{Requests: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("32Mi")}}
}

// waitEvent waits for an event of reason on the object ns/name of kind.
func waitEvent(t *testing.T, ns, kind, name, reason string) {
	t.Helper()
	framework.Eventually(t, time.Minute, func() error {
		var list eventsv1.EventList
		if err := framework.HubClient(t).List(context.Background(), &list, client.InNamespace(ns)); err != nil {
			return err
		}
		var seen []string
		for _, e := range list.Items {
			if e.Regarding.Kind == kind && e.Regarding.Name == name {
				if e.Reason == reason {
					return nil
				}
				seen = append(seen, e.Reason)
			}
		}
		return fmt.Errorf("no %s event on %s %s/%s yet (events: %v)", reason, kind, ns, name, seen)
	})
}

// propagateAndRollOut deploys an Application to both members, then releases a new image
// through a rollout whose analysis asks a webhook of the test.
func propagateAndRollOut(t *testing.T, ns string) {
	analysis := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"value": 0.25}`)
	}))
	t.Cleanup(analysis.Close)
	app := framework.WebApplication(t, ns, "web", 2, small(), nil)
	app.Spec.Placement.ReplicaScheduling = flotillav1alpha1.ReplicaScheduling{Type: flotillav1alpha1.ReplicaSchedulingDuplicated}
	// A first batch of one canary pod per cluster, analysed before the rest follows.
	app.Spec.Rollout = &flotillav1alpha1.RolloutStrategy{Batches: []flotillav1alpha1.RolloutBatch{
		{Replicas: intstr.FromInt32(1)}, {Replicas: intstr.FromString("100%")}}, Analysis: &flotillav1alpha1.RolloutAnalysis{
		Interval: &metav1.Duration{Duration: time.Second},
		Metrics: []flotillav1alpha1.AnalysisMetric{{Name: "error-rate", Max: ptr.To("0.5"),
			Webhook: &flotillav1alpha1.WebhookMetric{URL: analysis.URL}}}}}
	create(t, app)
	key := types.NamespacedName{Namespace: ns, Name: "web"}
	var first string
	framework.Eventually(t, 2*time.Minute, func() error {
		a := &flotillav1alpha1.Application{}
		get(t, key, a)
		if len(a.Status.Clusters) != 2 || a.Status.StableRevision == "" || a.Status.StableRevision != a.Status.CurrentRevision {
			return fmt.Errorf("clusters %d, stable %q, current %q", len(a.Status.Clusters), a.Status.StableRevision, a.Status.CurrentRevision)
		}
		first = a.Status.CurrentRevision
		return nil
	})
	framework.Eventually(t, 30*time.Second, func() error {
		a := &flotillav1alpha1.Application{}
		get(t, key, a)
		var dep appsv1.Deployment
		if err := json.Unmarshal(a.Spec.Resources[0].Raw, &dep); err != nil {
			return err
		}
		dep.Spec.Template.Spec.Containers[0].Image = "example.com/web:v2"
		raw, err := json.Marshal(&dep)
		if err != nil {
			return err
		}
		a.Spec.Resources[0].Raw = raw
		return framework.HubClient(t).Update(context.Background(), a)
	})
	framework.Eventually(t, 2*time.Minute, func() error {
		a := &flotillav1alpha1.Application{}
		get(t, key, a)
		st := a.Status.Rollout
		if st == nil || a.Status.CurrentRevision == first || st.Revision != a.Status.CurrentRevision || st.Phase != flotillav1alpha1.RolloutSucceeded {
			return fmt.Errorf("rollout %+v of %s", st, a.Status.CurrentRevision)
		}
		return nil
	})
	waitEvent(t, ns, "Application", "web", "RolloutSucceeded")
}

// scaleUp runs an autoscaler whose minimum is above the Application's count and whose only
// metric cannot be read: it scales up to the minimum all the same.
func scaleUp(t *testing.T, ns string) {
	create(t, framework.WebApplication(t, ns, "api", 2, small(), nil))
	framework.Eventually(t, time.Minute, func() error {
		a := &flotillav1alpha1.Application{}
		get(t, types.NamespacedName{Namespace: ns, Name: "api"}, a)
		if a.Status.Replicas != 2 {
			return fmt.Errorf("the Application runs %d replicas, want 2 before it is autoscaled", a.Status.Replicas)
		}
		return nil
	})
	create(t, &flotillav1alpha1.FleetAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "api"},
		Spec: flotillav1alpha1.FleetAutoscalerSpec{
			TargetRef: flotillav1alpha1.ApplicationReference{Name: "api"}, MinReplicas: ptr.To(int32(3)), MaxReplicas: 4,
			Interval: &metav1.Duration{Duration: time.Second},
			Metrics: []flotillav1alpha1.ScalingMetric{{Name: "qps", Prometheus: &flotillav1alpha1.PrometheusScalingMetric{
				Address: "http://127.0.0.1:9", Query: `sum(rate(http_requests_total{app="api"}[1m]))`, // nothing listens on the discard port
				Target: flotillav1alpha1.ScalingTarget{AverageValue: ptr.To("50")}}}},
		},
	})
	framework.Eventually(t, time.Minute, func() error {
		fa := &flotillav1alpha1.FleetAutoscaler{}
		get(t, types.NamespacedName{Namespace: ns, Name: "api"}, fa)
		if fa.Status.LastScaleTime == nil || fa.Status.DesiredReplicas != 3 {
			return fmt.Errorf("desired %d, last scale %v (%s)", fa.Status.DesiredReplicas, fa.Status.LastScaleTime, fa.Status.LastScaleReason)
		}
		return nil
	})
	waitEvent(t, ns, "FleetAutoscaler", "api", "Scaled")
	waitEvent(t, ns, "FleetAutoscaler", "api", flotillav1alpha1.ReasonMetricsUnavailable)
}

// tune lets a ResourcePolicy in Auto mode profile over-provisioned pods and lower their
// requests in place.
func tune(t *testing.T, ns string) {
	rr := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("512Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("1Gi")}}
	create(t, framework.WebApplication(t, ns, "fat", 2, rr, map[string]string{usage.CPUAnnotation: "100m", usage.MemoryAnnotation: "100Mi"}))
	create(t, &flotillav1alpha1.ResourcePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "fat"},
		Spec: flotillav1alpha1.ResourcePolicySpec{
			TargetRef: &flotillav1alpha1.ApplicationReference{Name: "fat"},
			Mode:      flotillav1alpha1.TuningAuto,
			Containers: []flotillav1alpha1.ContainerTuning{{Name: "*", Targets: []flotillav1alpha1.ResourceTarget{
				{Resource: flotillav1alpha1.TunedCPU, Field: flotillav1alpha1.TunedRequest, Percentile: 90, MarginPercent: 20}}}},
			Update: flotillav1alpha1.TuningUpdate{MinSamples: ptr.To(int32(3)), MinInterval: &metav1.Duration{Duration: time.Minute}},
		},
	})
	framework.Eventually(t, 2*time.Minute, func() error {
		p := &flotillav1alpha1.ResourcePolicy{}
		get(t, types.NamespacedName{Namespace: ns, Name: "fat"}, p)
		if p.Status.CurrentRevision == 0 || p.Status.Pods.Updated == 0 {
			return fmt.Errorf("revision %d, pods %+v", p.Status.CurrentRevision, p.Status.Pods)
		}
		return nil
	})
	waitEvent(t, ns, "ResourcePolicy", "fat", "Recommendation")
}

// askTheConsole sends the console a request without a token.
func askTheConsole(t *testing.T) {
	url := framework.Fleet(t).ConsoleURL() + "api/v1/whoami"
	framework.Eventually(t, time.Minute, func() error {
		resp, err := http.Get(url)
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			return fmt.Errorf("GET %s without a token: %s, want 401", url, resp.Status)
		}
		return nil
	})
}

// freeze freezes the fleet by hand and waits for the event on the ChangeFreeze.
func freeze(t *testing.T) {
	name := "metrics-e2e"
	create(t, &flotillav1alpha1.ChangeFreeze{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: flotillav1alpha1.ChangeFreezeSpec{Frozen: true, Interval: &metav1.Duration{Duration: time.Second}}})
	t.Cleanup(func() {
		_ = framework.HubClient(t).Delete(context.Background(), &flotillav1alpha1.ChangeFreeze{ObjectMeta: metav1.ObjectMeta{Name: name}})
	})
	framework.Eventually(t, time.Minute, func() error {
		f := &flotillav1alpha1.ChangeFreeze{}
		get(t, types.NamespacedName{Name: name}, f)
		if !f.Status.Frozen {
			return fmt.Errorf("not frozen yet: %+v", f.Status)
		}
		return nil
	})
	waitEvent(t, metav1.NamespaceDefault, "ChangeFreeze", name, "Frozen")
}

// exposed is what the exposition says of one metric.
type exposed struct {
	typ    string
	series int
}

// sample is one line of the exposition: the series (name and labels) and its value.
type sample struct {
	series string
	value  float64
}

// sum adds the values of the series of name (a histogram's name_count, ...) that carry every
// label of labels (written name="value").
func sum(samples []sample, name string, labels ...string) float64 {
	total := 0.0
	for _, s := range samples {
		if s.series != name && !strings.HasPrefix(s.series, name+"{") {
			continue
		}
		all := true
		for _, l := range labels {
			all = all && strings.Contains(s.series, l)
		}
		if all {
			total += s.value
		}
	}
	return total
}

// scrape reads the controller's metrics endpoint: per metric (its TYPE line), its type and how
// many series it has; and every sample.
func scrape(t *testing.T) (map[string]exposed, []sample, error) {
	comp, ok := framework.Fleet(t).Hub.Component(controllerName)
	if !ok || len(comp.Ports) < 2 {
		return nil, nil, fmt.Errorf("the fleet runs no %s with a metrics port", controllerName)
	}
	return scrapeURL("http://127.0.0.1:" + strconv.Itoa(comp.Ports[1]) + "/metrics")
}

// scrapeURL reads a metrics endpoint.
func scrapeURL(url string) (map[string]exposed, []sample, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	out := map[string]exposed{}
	var samples []sample
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<20)
	current := ""
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, typ, _ := strings.Cut(rest, " ")
			out[name] = exposed{typ: typ}
			current = name
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cut := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[cut+1:], 64)
		if cut < 0 || err != nil {
			return nil, nil, fmt.Errorf("unreadable exposition line %q", line)
		}
		samples = append(samples, sample{series: line[:cut], value: v})
		if current != "" && strings.HasPrefix(line, current) {
			e := out[current]
			e.series++
			out[current] = e
		}
	}
	return out, samples, sc.Err()
}

// logsAreJSON checks that every line of a process's log is a JSON object with a level, a time
// and a message.
func logsAreJSON(t *testing.T, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) < 10 {
		t.Fatalf("%s holds %d lines", path, len(lines))
	}
	for i, line := range lines {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("line %d of %s is not JSON (%v): %s", i+1, path, err, line)
		}
		for _, k := range []string{"level", "ts", "msg"} {
			if _, ok := entry[k]; !ok {
				t.Fatalf("line %d of %s has no %q: %s", i+1, path, k, line)
			}
		}
	}
}

// TestTheStandaloneConsoleServesItsMetrics: `flotilla console` on its own serves the console's
// and its audit trail's metrics with --metrics-bind-address.
func TestTheStandaloneConsoleServesItsMetrics(t *testing.T) {
	f := framework.Fleet(t)
	ctx := context.Background()
	const name = "flotilla-console"
	dir := filepath.Join(f.Hub.Dir, name)
	err := f.EnsureHubProcess(ctx, devfleet.HubProcess{
		Name: name, Binary: filepath.Join(f.Home, "flotilla"), SharedPort: true, ExtraPorts: 1, HealthPath: "/metrics",
		Args: func(metrics, _ int, extra ...int) []string {
			return []string{"console", "--kubeconfig", f.Hub.KubeconfigPath, "--addr", "127.0.0.1:" + strconv.Itoa(extra[0]),
				"--metrics-bind-address", "127.0.0.1:" + strconv.Itoa(metrics), "--audit-dir", dir, "--log-format", "json"}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.RemoveHubProcess(context.Background(), name) })
	comp, _ := f.Hub.Component(name)
	base := "http://127.0.0.1:" + strconv.Itoa(comp.Ports[1])
	framework.Eventually(t, time.Minute, func() error {
		resp, err := http.Get(base + "/api/v1/whoami")
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			return fmt.Errorf("GET /api/v1/whoami without a token: %s, want 401", resp.Status)
		}
		return nil
	})
	framework.Eventually(t, 30*time.Second, func() error {
		_, samples, err := scrapeURL("http://127.0.0.1:" + strconv.Itoa(comp.Ports[0]) + "/metrics")
		if err != nil {
			return err
		}
		if got := sum(samples, "flotilla_console_requests_total", `route="GET /api/v1/whoami"`, `code="401"`); got < 1 {
			return fmt.Errorf("the console counted %v unauthenticated requests to whoami", got)
		}
		for _, name := range []string{"flotilla_audit_pending_records", "flotilla_audit_store_bytes", "flotilla_audit_write_failures_total"} {
			if !slices.ContainsFunc(samples, func(s sample) bool { return s.series == name }) {
				return fmt.Errorf("the console does not export %s", name)
			}
		}
		return nil
	})
}
