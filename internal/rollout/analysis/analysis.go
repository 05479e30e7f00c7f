// Package analysis measures the new revision of a rollout and folds the measurements into a
// verdict. Judging is pure (thresholds, pod health, folding); the providers (Prometheus, webhook,
// and the member clusters' pods through a PodLister) do the I/O.
//
// A measurement takes every metric once. Its phase is the worst of its metrics': Failed, then
// Error, then Inconclusive, then Successful. A metric without a value (no data, NaN, ±Inf) is
// Inconclusive unless its onEmpty says Fail: an empty result never passes.
package analysis

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/platform/httpjson"
	"flotilla.dev/flotilla/internal/rollout/planner"
)

// Defaults of spec.rollout.analysis.
const (
	DefaultInterval          = 10 * time.Second
	DefaultInconclusiveLimit = 2
	DefaultQueryTimeout      = 5 * time.Second
	DefaultReadyTimeout      = 30 * time.Second
)

// Interval is the analysis interval of spec.
func Interval(spec *flotillav1alpha1.RolloutAnalysis) time.Duration {
	if spec.Interval == nil || spec.Interval.Duration <= 0 {
		return DefaultInterval
	}
	return max(spec.Interval.Duration, time.Second)
}

// Target is what is being measured: the application, its new and stable revisions, and the
// clusters whose canaries run now.
type Target struct {
	Application, Namespace string
	Revision, Stable       string
	Clusters               []string
}

// Env is what measuring needs from the outside world.
type Env struct {
	// Pods lists the canary pods of the target in its clusters.
	Pods PodLister
	// HTTP runs Prometheus queries and webhook calls.
	HTTP httpjson.Doer
	Now  time.Time
}

// Measure takes every metric of spec once, in parallel, and returns their results in spec order.
func Measure(ctx context.Context, spec *flotillav1alpha1.RolloutAnalysis, t Target, env Env) []flotillav1alpha1.MetricResult {
	out := make([]flotillav1alpha1.MetricResult, len(spec.Metrics))
	var wg sync.WaitGroup
	for i := range spec.Metrics {
		wg.Go(func() { out[i] = measureOne(ctx, &spec.Metrics[i], t, env) })
	}
	wg.Wait()
	return out
}

func measureOne(ctx context.Context, m *flotillav1alpha1.AnalysisMetric, t Target, env Env) flotillav1alpha1.MetricResult {
	switch {
	case m.Kubernetes != nil:
		pods, err := env.Pods.CanaryPods(ctx, t)
		if err != nil {
			return errorResult(m.Name, err)
		}
		r := PodHealth(m.Kubernetes, pods, env.Now)
		r.Name = m.Name
		return r
	case m.Prometheus != nil:
		q := m.Prometheus
		canary, err := QueryPrometheus(ctx, env.HTTP, q.Address, Expand(q.Query, t, flotillav1alpha1.TrackCanary), timeoutOf(q.Timeout))
		if err != nil {
			return errorResult(m.Name, err)
		}
		var stable *float64
		if m.MaxIncreaseOverStable != nil {
			stable, err = QueryPrometheus(ctx, env.HTTP, q.Address, Expand(q.Query, t, flotillav1alpha1.TrackStable), timeoutOf(q.Timeout))
			if err != nil {
				return errorResult(m.Name, err)
			}
		}
		return Judge(m, canary, stable)
	case m.Webhook != nil:
		v, verdict, err := CallWebhook(ctx, env.HTTP, m.Webhook, m.Name, t)
		if err != nil {
			return errorResult(m.Name, err)
		}
		if verdict != "" {
			return flotillav1alpha1.MetricResult{Name: m.Name, Phase: verdict, Value: format(v), Message: "webhook says " + string(verdict)}
		}
		return Judge(m, v, nil)
	}
	return flotillav1alpha1.MetricResult{Name: m.Name, Phase: flotillav1alpha1.MeasurementError, Message: "no provider set"}
}

func errorResult(name string, err error) flotillav1alpha1.MetricResult {
	return flotillav1alpha1.MetricResult{Name: name, Phase: flotillav1alpha1.MeasurementError, Message: err.Error()}
}

func timeoutOf(d *metav1.Duration) time.Duration {
	if d == nil || d.Duration <= 0 {
		return DefaultQueryTimeout
	}
	return d.Duration
}

// Expand fills the placeholders of a query for track.
func Expand(query string, t Target, track string) string {
	clusters := make([]string, len(t.Clusters))
	for i, c := range t.Clusters {
		clusters[i] = regexQuote(c)
	}
	return strings.NewReplacer(
		"{{app}}", t.Application, "{{namespace}}", t.Namespace, "{{revision}}", t.Revision,
		"{{track}}", track, "{{clusters}}", strings.Join(clusters, "|"),
	).Replace(query)
}

func regexQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\.+*?()|[]{}^$`, r) {
			b.WriteString(`\\`)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Judge compares a value (and the stable revision's, for maxIncreaseOverStable) with the
// metric's thresholds.
func Judge(m *flotillav1alpha1.AnalysisMetric, value, stable *float64) flotillav1alpha1.MetricResult {
	r := flotillav1alpha1.MetricResult{Name: m.Name, Value: format(value)}
	if m.MaxIncreaseOverStable != nil {
		s := 0.0
		if stable != nil {
			s = *stable
		}
		r.StableValue = strconv.FormatFloat(s, 'g', 6, 64)
		stable = &s
	}
	if value == nil {
		if m.OnEmpty == flotillav1alpha1.EmptyFail {
			r.Phase, r.Message = flotillav1alpha1.MeasurementFailed, "no value (no data or NaN) and onEmpty is Fail"
		} else {
			r.Phase, r.Message = flotillav1alpha1.MeasurementInconclusive, "no value yet (no data or NaN)"
		}
		return r
	}
	v := *value
	var broken []string
	if m.Max != nil {
		if limit, err := strconv.ParseFloat(*m.Max, 64); err == nil && v > limit {
			broken = append(broken, fmt.Sprintf("%s > max %s", r.Value, *m.Max))
		}
	}
	if m.Min != nil {
		if limit, err := strconv.ParseFloat(*m.Min, 64); err == nil && v < limit {
			broken = append(broken, fmt.Sprintf("%s < min %s", r.Value, *m.Min))
		}
	}
	if m.MaxIncreaseOverStable != nil {
		if limit, err := strconv.ParseFloat(*m.MaxIncreaseOverStable, 64); err == nil && v-*stable > limit {
			broken = append(broken, fmt.Sprintf("canary %s exceeds stable %s by more than %s", r.Value, r.StableValue, *m.MaxIncreaseOverStable))
		}
	}
	if len(broken) > 0 {
		r.Phase, r.Message = flotillav1alpha1.MeasurementFailed, strings.Join(broken, "; ")
		return r
	}
	r.Phase, r.Message = flotillav1alpha1.MeasurementSuccessful, "within thresholds"
	return r
}

func format(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'g', 6, 64)
}

// usable says whether v is a number a threshold can judge.
func usable(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Fold adds one measurement to the analysis state and concludes: Failed once failures in a row
// exceed the failure limit, Inconclusive once inconclusive (or erroring) measurements in a row
// exceed the inconclusive limit, nothing otherwise.
func Fold(prev *flotillav1alpha1.AnalysisStatus, spec *flotillav1alpha1.RolloutAnalysis, results []flotillav1alpha1.MetricResult, now time.Time) (*flotillav1alpha1.AnalysisStatus, planner.Verdict) {
	st := &flotillav1alpha1.AnalysisStatus{}
	if prev != nil {
		st = prev.DeepCopy()
	}
	at := metav1.NewTime(now)
	st.MeasuredAt, st.Metrics, st.Count = &at, results, st.Count+1
	st.Phase = worst(results)
	switch st.Phase {
	case flotillav1alpha1.MeasurementSuccessful:
		st.SuccessfulAt, st.FirstFailureAt = &at, nil
		st.ConsecutiveFailures, st.ConsecutiveInconclusive, st.ConsecutiveErrors = 0, 0, 0
	case flotillav1alpha1.MeasurementFailed:
		if st.ConsecutiveFailures == 0 {
			st.FirstFailureAt = &at
		}
		st.ConsecutiveFailures++
		st.ConsecutiveInconclusive, st.ConsecutiveErrors = 0, 0
	case flotillav1alpha1.MeasurementError:
		st.ConsecutiveErrors++
	default:
		st.ConsecutiveInconclusive++
	}
	inconclusiveLimit := int32(DefaultInconclusiveLimit)
	if spec.InconclusiveLimit != nil {
		inconclusiveLimit = *spec.InconclusiveLimit
	}
	switch {
	case st.ConsecutiveFailures > spec.FailureLimit:
		return st, planner.Verdict{Phase: flotillav1alpha1.MeasurementFailed, Message: summary(results, flotillav1alpha1.MeasurementFailed)}
	case st.ConsecutiveInconclusive+st.ConsecutiveErrors > inconclusiveLimit:
		return st, planner.Verdict{Phase: flotillav1alpha1.MeasurementInconclusive,
			Message: summary(results, flotillav1alpha1.MeasurementInconclusive, flotillav1alpha1.MeasurementError)}
	}
	return st, planner.Verdict{}
}

var severity = map[flotillav1alpha1.MeasurementPhase]int{
	flotillav1alpha1.MeasurementSuccessful: 0, flotillav1alpha1.MeasurementInconclusive: 1,
	flotillav1alpha1.MeasurementError: 2, flotillav1alpha1.MeasurementFailed: 3,
}

func worst(results []flotillav1alpha1.MetricResult) flotillav1alpha1.MeasurementPhase {
	w := flotillav1alpha1.MeasurementSuccessful
	for _, r := range results {
		if severity[r.Phase] > severity[w] {
			w = r.Phase
		}
	}
	return w
}

// summary names the metrics in the given phases with their values and messages.
func summary(results []flotillav1alpha1.MetricResult, phases ...flotillav1alpha1.MeasurementPhase) string {
	var parts []string
	for _, r := range results {
		for _, p := range phases {
			if r.Phase == p {
				parts = append(parts, r.Name+": "+r.Message)
			}
		}
	}
	return strings.Join(parts, "; ")
}
