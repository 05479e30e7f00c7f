package analysis

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/rollout/planner"
)

var now = time.Date(2026, 11, 24, 17, 30, 0, 0, time.UTC)

func TestJudge(t *testing.T) {
	cases := []struct {
		name          string
		metric        flotillav1alpha1.AnalysisMetric
		value, stable *float64
		want          flotillav1alpha1.MeasurementPhase
		wantMsg       string
	}{
		{name: "under max", metric: flotillav1alpha1.AnalysisMetric{Max: ptr.To("0.05")}, value: ptr.To(0.01), want: flotillav1alpha1.MeasurementSuccessful},
		{name: "over max", metric: flotillav1alpha1.AnalysisMetric{Max: ptr.To("0.05")}, value: ptr.To(0.3), want: flotillav1alpha1.MeasurementFailed, wantMsg: "0.3 > max 0.05"},
		{name: "under min", metric: flotillav1alpha1.AnalysisMetric{Min: ptr.To("100")}, value: ptr.To(5.0), want: flotillav1alpha1.MeasurementFailed, wantMsg: "5 < min 100"},
		{name: "empty is inconclusive by default", metric: flotillav1alpha1.AnalysisMetric{Max: ptr.To("1")}, want: flotillav1alpha1.MeasurementInconclusive},
		{name: "empty fails when asked", metric: flotillav1alpha1.AnalysisMetric{Max: ptr.To("1"), OnEmpty: flotillav1alpha1.EmptyFail}, want: flotillav1alpha1.MeasurementFailed},
		{name: "canary worse than stable", metric: flotillav1alpha1.AnalysisMetric{MaxIncreaseOverStable: ptr.To("0.01")},
			value: ptr.To(0.3), stable: ptr.To(0.0), want: flotillav1alpha1.MeasurementFailed, wantMsg: "canary 0.3 exceeds stable 0 by more than 0.01"},
		{name: "canary as bad as stable", metric: flotillav1alpha1.AnalysisMetric{MaxIncreaseOverStable: ptr.To("0.01")},
			value: ptr.To(0.3), stable: ptr.To(0.295), want: flotillav1alpha1.MeasurementSuccessful},
		{name: "stable without data counts as zero", metric: flotillav1alpha1.AnalysisMetric{MaxIncreaseOverStable: ptr.To("0.01")},
			value: ptr.To(0.02), want: flotillav1alpha1.MeasurementFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.metric.Name = "m"
			r := Judge(&tc.metric, tc.value, tc.stable)
			if r.Phase != tc.want || !strings.Contains(r.Message, tc.wantMsg) {
				t.Fatalf("got %s %q, want %s %q", r.Phase, r.Message, tc.want, tc.wantMsg)
			}
		})
	}
}

func TestParsePrometheus(t *testing.T) {
	cases := []struct {
		name, body string
		want       *float64
		wantErr    string
	}{
		{name: "one series", body: `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"0.25"]}]}}`, want: ptr.To(0.25)},
		{name: "scalar", body: `{"status":"success","data":{"resultType":"scalar","result":[1,"3"]}}`, want: ptr.To(3.0)},
		{name: "no data", body: `{"status":"success","data":{"resultType":"vector","result":[]}}`},
		{name: "NaN", body: `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]}]}}`},
		{name: "+Inf", body: `{"status":"success","data":{"resultType":"scalar","result":[1,"+Inf"]}}`},
		{name: "two series", body: `{"status":"success","data":{"resultType":"vector","result":[{"value":[1,"1"]},{"value":[1,"2"]}]}}`, wantErr: "aggregate it"},
		{name: "matrix", body: `{"status":"success","data":{"resultType":"matrix","result":[]}}`, wantErr: "one number"},
		{name: "bad query", body: `{"status":"error","errorType":"bad_data","error":"parse error at char 5"}`, wantErr: "parse error"},
		{name: "not json", body: `<html>`, wantErr: "not its JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := ParsePrometheus(200, []byte(tc.body))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || (v == nil) != (tc.want == nil) || (v != nil && *v != *tc.want) {
				t.Fatalf("got %v, %v; want %v", v, err, tc.want)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	got := Expand(`sum(rate(x{app="{{app}}",namespace="{{namespace}}",track="{{track}}",cluster=~"{{clusters}}"}[1m]))`,
		Target{Application: "web", Namespace: "shop", Clusters: []string{"eu.1", "us-2"}}, "canary")
	want := `sum(rate(x{app="web",namespace="shop",track="canary",cluster=~"eu\\.1|us-2"}[1m]))`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func result(phase flotillav1alpha1.MeasurementPhase) []flotillav1alpha1.MetricResult {
	return []flotillav1alpha1.MetricResult{{Name: "ok", Phase: flotillav1alpha1.MeasurementSuccessful}, {Name: "m", Phase: phase, Message: "why"}}
}

func TestFold(t *testing.T) {
	spec := &flotillav1alpha1.RolloutAnalysis{FailureLimit: 1, InconclusiveLimit: ptr.To(int32(1))}
	cases := []struct {
		name   string
		phases []flotillav1alpha1.MeasurementPhase
		want   flotillav1alpha1.MeasurementPhase
	}{
		{name: "one failure is tolerated", phases: []flotillav1alpha1.MeasurementPhase{"Failed"}, want: ""},
		{name: "two failures in a row fail", phases: []flotillav1alpha1.MeasurementPhase{"Failed", "Failed"}, want: "Failed"},
		{name: "a success resets", phases: []flotillav1alpha1.MeasurementPhase{"Failed", "Successful", "Failed"}, want: ""},
		{name: "inconclusive over the limit", phases: []flotillav1alpha1.MeasurementPhase{"Inconclusive", "Inconclusive"}, want: "Inconclusive"},
		{name: "errors count as inconclusive", phases: []flotillav1alpha1.MeasurementPhase{"Error", "Inconclusive"}, want: "Inconclusive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var st *flotillav1alpha1.AnalysisStatus
			var got flotillav1alpha1.MeasurementPhase
			for i, p := range tc.phases {
				var v planner.Verdict
				st, v = Fold(st, spec, result(p), now.Add(time.Duration(i)*time.Second))
				got = v.Phase
			}
			if got != tc.want {
				t.Fatalf("verdict %q, want %q", got, tc.want)
			}
		})
	}
	st, v := Fold(nil, &flotillav1alpha1.RolloutAnalysis{}, result(flotillav1alpha1.MeasurementFailed), now)
	if v.Phase != flotillav1alpha1.MeasurementFailed || st.FirstFailureAt == nil || !strings.Contains(v.Message, "m: why") {
		t.Fatalf("default failure limit 0: verdict %+v first failure %v", v, st.FirstFailureAt)
	}
}

func pod(name string, created time.Time, ready bool, status ...corev1.ContainerStatus) ClusterPod {
	p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(created)}}
	cond := corev1.ConditionFalse
	if ready {
		cond = corev1.ConditionTrue
	}
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: cond}}
	p.Status.ContainerStatuses = status
	return ClusterPod{Cluster: "member-1", Pod: p}
}

func TestPodHealth(t *testing.T) {
	crash := corev1.ContainerStatus{Name: "web", RestartCount: 2, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}
	restarted := corev1.ContainerStatus{Name: "web", RestartCount: 1, Ready: true}
	cases := []struct {
		name    string
		canary  Canary
		want    flotillav1alpha1.MeasurementPhase
		wantMsg string
	}{
		{name: "no pods", want: flotillav1alpha1.MeasurementInconclusive},
		{name: "ready pods", canary: Canary{Pods: []ClusterPod{pod("a", now, true), pod("b", now, true)}}, want: flotillav1alpha1.MeasurementSuccessful},
		{name: "young unready pod is fine", canary: Canary{Pods: []ClusterPod{pod("a", now.Add(-5*time.Second), false)}}, want: flotillav1alpha1.MeasurementSuccessful},
		{name: "old unready pod fails", canary: Canary{Pods: []ClusterPod{pod("a", now.Add(-time.Minute), false)}},
			want: flotillav1alpha1.MeasurementFailed, wantMsg: "member-1 pod a: not ready 1m0s"},
		{name: "crash loop fails at once", canary: Canary{Pods: []ClusterPod{pod("a", now, false, crash)}},
			want: flotillav1alpha1.MeasurementFailed, wantMsg: "CrashLoopBackOff (2 restarts)"},
		{name: "restarts over the limit", canary: Canary{Pods: []ClusterPod{pod("a", now, true, restarted)}},
			want: flotillav1alpha1.MeasurementFailed, wantMsg: "restarted 1 times"},
		{name: "pods cannot be created", canary: Canary{Pods: []ClusterPod{pod("a", now, true)}, CreateFailures: map[string]string{"member-2": "exceeded quota"}},
			want: flotillav1alpha1.MeasurementFailed, wantMsg: "member-2: cannot create canary pods: exceeded quota"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := PodHealth(&flotillav1alpha1.KubernetesHealthMetric{}, tc.canary, now)
			if r.Phase != tc.want || !strings.Contains(r.Message, tc.wantMsg) {
				t.Fatalf("got %s %q, want %s %q", r.Phase, r.Message, tc.want, tc.wantMsg)
			}
		})
	}
}

func TestWebhook(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req WebhookRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Application != "web" || req.Revision != "web-2" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		switch req.Metric {
		case "value":
			_, _ = w.Write([]byte(`{"value": 0.7}`))
		case "verdict":
			_, _ = w.Write([]byte(`{"verdict": "Failed"}`))
		default:
			_, _ = w.Write([]byte(`{"verdict": "Maybe"}`))
		}
	}))
	defer srv.Close()
	spec := &flotillav1alpha1.RolloutAnalysis{Metrics: []flotillav1alpha1.AnalysisMetric{
		{Name: "value", Webhook: &flotillav1alpha1.WebhookMetric{URL: srv.URL}, Max: ptr.To("0.5")},
		{Name: "verdict", Webhook: &flotillav1alpha1.WebhookMetric{URL: srv.URL}},
		{Name: "odd", Webhook: &flotillav1alpha1.WebhookMetric{URL: srv.URL}},
	}}
	got := Measure(context.Background(), spec, Target{Application: "web", Revision: "web-2"}, Env{HTTP: srv.Client(), Now: now})
	want := []flotillav1alpha1.MeasurementPhase{flotillav1alpha1.MeasurementFailed, flotillav1alpha1.MeasurementFailed, flotillav1alpha1.MeasurementError}
	for i, r := range got {
		if r.Phase != want[i] {
			t.Errorf("metric %s: %s (%s), want %s", r.Name, r.Phase, r.Message, want[i])
		}
	}
	if !strings.Contains(got[2].Message, `verdict "Maybe"`) {
		t.Errorf("odd verdict message %q", got[2].Message)
	}
}
