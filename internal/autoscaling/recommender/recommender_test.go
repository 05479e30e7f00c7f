package recommender

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

var t0 = time.Date(2026, 11, 24, 11, 0, 0, 0, time.UTC) // 19:00 in Asia/Shanghai

func spec(minR, maxR int32) *flotillav1alpha1.FleetAutoscalerSpec {
	return &flotillav1alpha1.FleetAutoscalerSpec{MinReplicas: ptr.To(minR), MaxReplicas: maxR}
}

func qps(v float64) Metric {
	return Metric{Name: "qps", Kind: AverageValue, Target: 50, Value: &v}
}

func TestOneMetric(t *testing.T) {
	cases := []struct {
		name    string
		current int32
		metric  Metric
		want    int32
	}{
		{name: "average value scales up", current: 2, metric: qps(400), want: 6}, // 8 wanted; +100% or +4 per 15 s: 6
		{name: "within tolerance stays", current: 4, metric: qps(210), want: 4},
		{name: "ratio scales with utilization", current: 4, metric: Metric{Name: "cpu", Kind: Ratio, Target: 50, Value: ptr.To(75.0)}, want: 6},
		{name: "from zero wakes up", current: 0, metric: qps(10), want: 1},
		{name: "to zero when idle", current: 0, metric: qps(0), want: 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(Input{Spec: spec(0, 100), Current: tc.current, Metrics: []Metric{tc.metric}, Now: t0})
			if d.Desired != tc.want {
				t.Fatalf("desired %d, want %d (%s)", d.Desired, tc.want, d.Reason)
			}
		})
	}
}

func TestScaleDownWaitsForTheStabilizationWindow(t *testing.T) {
	s := spec(1, 100)
	prev := flotillav1alpha1.FleetAutoscalerStatus{}
	current := int32(10)
	for i := 0; i < 70; i++ { // 350 s of low load, one evaluation every 5 s
		now := t0.Add(time.Duration(i*5) * time.Second)
		d := Decide(Input{Spec: s, Current: current, Metrics: []Metric{qps(100)}, Previous: prev, Now: now})
		if now.Sub(t0) < DefaultScaleDownWindow && d.Desired != 10 {
			t.Fatalf("at %s: scaled to %d inside the window", now.Sub(t0), d.Desired)
		}
		prev.Recommendations, prev.Scales, current = d.Recommendations, d.Scales, d.Desired
	}
	if current != 2 {
		t.Fatalf("after the window: %d, want 2", current)
	}
}

func TestRatePoliciesLimitScaleUp(t *testing.T) {
	s := spec(1, 1000)
	s.Behavior = &flotillav1alpha1.ScalingBehavior{ScaleUp: &flotillav1alpha1.ScalingRules{
		Policies: []flotillav1alpha1.ScalingPolicy{{Type: flotillav1alpha1.PodsPolicy, Value: 5, PeriodSeconds: 60}}}}
	prev := flotillav1alpha1.FleetAutoscalerStatus{}
	d := Decide(Input{Spec: s, Current: 2, Metrics: []Metric{qps(5000)}, Previous: prev, Now: t0})
	if d.Desired != 7 {
		t.Fatalf("first step %d, want 7 (+5 per minute)", d.Desired)
	}
	prev.Recommendations, prev.Scales = d.Recommendations, d.Scales
	d = Decide(Input{Spec: s, Current: 7, Metrics: []Metric{qps(5000)}, Previous: prev, Now: t0.Add(30 * time.Second)})
	if d.Desired != 7 {
		t.Fatalf("same minute %d, want 7", d.Desired)
	}
	d = Decide(Input{Spec: s, Current: 7, Metrics: []Metric{qps(5000)}, Previous: prev, Now: t0.Add(61 * time.Second)})
	if d.Desired != 12 {
		t.Fatalf("next minute %d, want 12", d.Desired)
	}
}

func TestMissingMetricsNeverScaleDown(t *testing.T) {
	s := spec(1, 100)
	s.Behavior = &flotillav1alpha1.ScalingBehavior{ScaleDown: &flotillav1alpha1.ScalingRules{StabilizationWindowSeconds: ptr.To(int32(0))}}
	missing := Metric{Name: "latency", Kind: Ratio, Target: 0.2, Message: "prometheus: connection refused"}
	d := Decide(Input{Spec: s, Current: 10, Metrics: []Metric{qps(100), missing}, Now: t0})
	if d.Desired != 10 || !strings.Contains(d.MetricMessage, "connection refused") {
		t.Fatalf("desired %d message %q, want 10 and the reason", d.Desired, d.MetricMessage)
	}
	d = Decide(Input{Spec: s, Current: 10, Metrics: []Metric{missing}, Now: t0})
	if d.Desired != 10 || d.MetricsOK {
		t.Fatalf("nothing readable: desired %d ok %v, want 10 and not ok", d.Desired, d.MetricsOK)
	}
	d = Decide(Input{Spec: s, Current: 10, Metrics: []Metric{qps(1000), missing}, Now: t0})
	if d.Desired != 20 {
		t.Fatalf("scale up with one metric missing: %d, want 20", d.Desired)
	}
}

func TestBoundsAndRollouts(t *testing.T) {
	s := spec(3, 8)
	s.Behavior = &flotillav1alpha1.ScalingBehavior{ScaleDown: &flotillav1alpha1.ScalingRules{StabilizationWindowSeconds: ptr.To(int32(0))}}
	if d := Decide(Input{Spec: s, Current: 8, Metrics: []Metric{qps(10000)}, Now: t0}); d.Desired != 8 || d.Limited != flotillav1alpha1.ReasonTooManyReplicas {
		t.Fatalf("above max: %d %s", d.Desired, d.Limited)
	}
	if d := Decide(Input{Spec: s, Current: 3, Metrics: []Metric{qps(0)}, Now: t0}); d.Desired != 3 || d.Limited != flotillav1alpha1.ReasonTooFewReplicas {
		t.Fatalf("below min: %d %s", d.Desired, d.Limited)
	}
	d := Decide(Input{Spec: s, Current: 6, Metrics: []Metric{qps(50)}, RolloutInProgress: true, Now: t0})
	if d.Desired != 6 || d.Limited != flotillav1alpha1.ReasonScaleDownHeld {
		t.Fatalf("scale down during a rollout: %d %s, want held at 6", d.Desired, d.Limited)
	}
	if d := Decide(Input{Spec: s, Current: 4, Metrics: []Metric{qps(400)}, RolloutInProgress: true, Now: t0}); d.Desired != 8 {
		t.Fatalf("scale up during a rollout: %d, want 8", d.Desired)
	}
}

func TestScheduleWindowsMoveTheBounds(t *testing.T) {
	s := spec(2, 10)
	s.Schedules = []flotillav1alpha1.ScalingSchedule{{Name: "evening", Schedule: "30 19 * * *", TimeZone: "Asia/Shanghai",
		Duration: metav1.Duration{Duration: 3*time.Hour + 30*time.Minute}, MinReplicas: ptr.To(int32(50)), MaxReplicas: ptr.To(int32(80))}}
	cases := []struct {
		at       time.Time
		wantMin  int32
		wantMax  int32
		active   bool
		nextWant time.Time
	}{
		{at: t0, wantMin: 2, wantMax: 10, nextWant: t0.Add(30 * time.Minute)},                                               // 19:00 Shanghai
		{at: t0.Add(30 * time.Minute), wantMin: 50, wantMax: 80, active: true, nextWant: t0.Add(4 * time.Hour)},             // 19:30 opens
		{at: t0.Add(3*time.Hour + 59*time.Minute), wantMin: 50, wantMax: 80, active: true, nextWant: t0.Add(4 * time.Hour)}, // 22:59
		{at: t0.Add(4 * time.Hour), wantMin: 2, wantMax: 10, nextWant: t0.Add(24*time.Hour + 30*time.Minute)},               // 23:00 closes
	}
	for _, tc := range cases {
		d := Decide(Input{Spec: s, Current: 2, Now: tc.at})
		if d.Min != tc.wantMin || d.Max != tc.wantMax || (len(d.Active) > 0) != tc.active || !d.NextChange.Equal(tc.nextWant) {
			t.Errorf("at %s: min %d max %d active %v next %s; want %d %d %v %s", tc.at, d.Min, d.Max, d.Active, d.NextChange,
				tc.wantMin, tc.wantMax, tc.active, tc.nextWant)
		}
	}
	if d := Decide(Input{Spec: s, Current: 2, Now: t0.Add(31 * time.Minute)}); d.Desired != 50 || !strings.Contains(d.Reason, "below the minimum 50") {
		t.Fatalf("window open: desired %d (%s), want raised to 50 at once", d.Desired, d.Reason)
	}
}

func TestParseScheduleNamesTheProblem(t *testing.T) {
	for _, tc := range []struct {
		s    flotillav1alpha1.ScalingSchedule
		want string
	}{
		{flotillav1alpha1.ScalingSchedule{Schedule: "every day", Duration: metav1.Duration{Duration: time.Hour}}, "5-field cron"},
		{flotillav1alpha1.ScalingSchedule{Schedule: "0 9 * * *", TimeZone: "Mars/Olympus", Duration: metav1.Duration{Duration: time.Hour}}, "IANA time zone"},
		{flotillav1alpha1.ScalingSchedule{Schedule: "0 9 * * *"}, "duration"},
	} {
		if _, err := ParseSchedule(tc.s); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.s, err, tc.want)
		}
	}
}

func TestWithoutMetricsTheCountIsTheMinimumInForce(t *testing.T) {
	s := spec(1, 10)
	s.Behavior = &flotillav1alpha1.ScalingBehavior{ScaleDown: &flotillav1alpha1.ScalingRules{StabilizationWindowSeconds: ptr.To(int32(0))}}
	s.Schedules = []flotillav1alpha1.ScalingSchedule{{Name: "rush", Schedule: "0 12 * * *", Duration: metav1.Duration{Duration: time.Hour}, MinReplicas: ptr.To(int32(6))}}
	noon := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	if d := Decide(Input{Spec: s, Current: 1, Now: noon}); d.Desired != 6 {
		t.Fatalf("window open: %d, want 6", d.Desired)
	}
	if d := Decide(Input{Spec: s, Current: 6, Now: noon.Add(time.Hour)}); d.Desired != 1 {
		t.Fatalf("window closed: %d, want back to 1", d.Desired)
	}
}

// TestNoisyLoadDoesNotOscillate evaluates every second for ten minutes with ±20% noise around
// 400 QPS: the count may rise to the noise's peak, but it must not go up and down.
func TestNoisyLoadDoesNotOscillate(t *testing.T) {
	s := spec(1, 100)
	prev := flotillav1alpha1.FleetAutoscalerStatus{}
	current, dir, flips := int32(8), 0, 0
	seed := uint64(7)
	for i := 0; i < 600; i++ {
		seed = seed*6364136223846793005 + 1442695040888963407
		noise := 0.8 + 0.4*float64(seed>>11)/float64(1<<53)
		d := Decide(Input{Spec: s, Current: current, Metrics: []Metric{qps(400 * noise)}, Previous: prev, Now: t0.Add(time.Duration(i) * time.Second)})
		if d.Desired != current {
			nd := 1
			if d.Desired < current {
				nd = -1
			}
			if dir != 0 && nd != dir {
				flips++
			}
			dir = nd
		}
		current, prev.Recommendations, prev.Scales = d.Desired, d.Recommendations, d.Scales
		if len(prev.Recommendations) > 40 {
			t.Fatalf("after %d s the history holds %d entries", i, len(prev.Recommendations))
		}
	}
	if flips > 0 {
		t.Fatalf("the count changed direction %d times", flips)
	}
}
