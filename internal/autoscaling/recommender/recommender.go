// Package recommender decides a FleetAutoscaler's replica count: the HPA's algorithm over
// fleet-wide metrics (per-metric recommendations, the highest wins, a tolerance, stabilization
// windows, rate policies), bounds moved by cron schedules, and the rule that keeps scaling from
// fighting a rollout. It is pure: the time and the metric values are inputs.
package recommender

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// Defaults of the behavior, as in the HPA.
const (
	DefaultTolerance        = 0.1
	DefaultScaleDownWindow  = 300 * time.Second
	defaultPolicyPeriod     = 15 * time.Second
	defaultScaleUpPercent   = 100
	defaultScaleUpPods      = 4
	defaultScaleDownPercent = 100
	maxHistory              = 128
)

// Kind says how a metric's value is turned into replicas.
type Kind int

// Metric kinds.
const (
	// AverageValue: replicas = ceil(value / target).
	AverageValue Kind = iota
	// Ratio: replicas = ceil(current * value / target) (a fleet value or a utilization).
	Ratio
)

// Metric is one measured metric.
type Metric struct {
	Name   string
	Kind   Kind
	Target float64
	// Value is nil when the metric could not be read (Message says why).
	Value   *float64
	Message string
}

// Input is everything one decision depends on.
type Input struct {
	Spec *flotillav1alpha1.FleetAutoscalerSpec
	// Current is the Application's fleet-wide replica count now.
	Current int32
	Metrics []Metric
	// Previous is the status of the last decision (recommendations and scales).
	Previous flotillav1alpha1.FleetAutoscalerStatus
	// RolloutInProgress holds scale-downs until the rollout ends.
	RolloutInProgress bool
	Now               time.Time
}

// Decision is the recommender's answer.
type Decision struct {
	Desired  int32
	Min, Max int32
	// Active are the open schedule windows; NextChange when a window opens or closes next.
	Active     []string
	NextChange time.Time
	// Limited says which bound or rule limited Desired (a reason), LimitMessage how.
	Limited, LimitMessage string
	// MetricsOK is false when no metric could be read; MetricMessage says why.
	MetricsOK     bool
	MetricMessage string
	// Statuses are the per-metric values and recommendations.
	Statuses []flotillav1alpha1.ScalingMetricStatus
	// Recommendations and Scales are the histories to record.
	Recommendations []flotillav1alpha1.Recommendation
	Scales          []flotillav1alpha1.ScaleEvent
	// Reason says why the count changes (empty when it does not).
	Reason string
	// ScheduleErrors name bad schedules (they are ignored).
	ScheduleErrors []string
}

// Decide computes the next replica count.
func Decide(in Input) Decision {
	d := Decision{}
	d.Min, d.Max = bounds(in, &d)
	rec, reason := recommend(in, &d)
	history := in.Previous.Recommendations
	if len(history) == 0 {
		// A new autoscaler: the count it found stands as a recommendation, so that the first
		// scale-down waits for a full window like every later one.
		history = []flotillav1alpha1.Recommendation{{Time: metav1.NewTime(in.Now), Replicas: in.Current}}
	}
	d.Recommendations = record(history, flotillav1alpha1.Recommendation{Time: metav1.NewTime(in.Now), Replicas: rec}, in.Now, max(window(in.Spec, false), window(in.Spec, true)))
	desired := stabilize(in, d.Recommendations, rec)
	desired = limitRate(in, desired)
	switch {
	case desired < d.Min:
		desired, d.Limited, d.LimitMessage = d.Min, flotillav1alpha1.ReasonTooFewReplicas, fmt.Sprintf("the recommendation %d is below the minimum %d", desired, d.Min)
	case desired > d.Max:
		desired, d.Limited, d.LimitMessage = d.Max, flotillav1alpha1.ReasonTooManyReplicas, fmt.Sprintf("the recommendation %d is above the maximum %d", desired, d.Max)
	}
	if in.RolloutInProgress && desired < in.Current {
		desired, d.Limited, d.LimitMessage = in.Current, flotillav1alpha1.ReasonScaleDownHeld,
			"a rollout is in progress: scaling down waits until it ends (scaling up does not)"
	}
	d.Desired = desired
	d.Scales = trimScales(in.Previous.Scales, in.Now, in.Spec)
	if desired != in.Current {
		d.Scales = append(d.Scales, flotillav1alpha1.ScaleEvent{Time: metav1.NewTime(in.Now), From: in.Current, To: desired})
		d.Reason = reason
		if d.Limited == flotillav1alpha1.ReasonTooFewReplicas || d.Limited == flotillav1alpha1.ReasonTooManyReplicas {
			d.Reason = d.LimitMessage
		}
	}
	return d
}

// bounds are the spec's min and max, replaced by those of the open schedule windows (the
// highest of each kind wins); max never falls below min.
func bounds(in Input, d *Decision) (int32, int32) {
	lo, hi := int32(1), in.Spec.MaxReplicas
	if in.Spec.MinReplicas != nil {
		lo = *in.Spec.MinReplicas
	}
	var schedMin, schedMax *int32
	for _, s := range in.Spec.Schedules {
		w, err := ParseSchedule(s)
		if err != nil {
			d.ScheduleErrors = append(d.ScheduleErrors, "schedules["+s.Name+"]: "+err.Error())
			continue
		}
		open, next := w.Active(in.Now)
		if d.NextChange.IsZero() || next.Before(d.NextChange) {
			d.NextChange = next
		}
		if !open {
			continue
		}
		d.Active = append(d.Active, s.Name)
		if w.min != nil && (schedMin == nil || *w.min > *schedMin) {
			schedMin = w.min
		}
		if w.max != nil && (schedMax == nil || *w.max > *schedMax) {
			schedMax = w.max
		}
	}
	if schedMin != nil {
		lo = *schedMin
	}
	if schedMax != nil {
		hi = *schedMax
	}
	return lo, max(hi, lo)
}

// recommend is the highest per-metric recommendation. A metric that cannot be read never lets
// the count go down: with one missing, the recommendation is at least the current count.
func recommend(in Input, d *Decision) (int32, string) {
	if len(in.Metrics) == 0 {
		// A schedule-only autoscaler: the count is the minimum in force.
		d.MetricsOK, d.MetricMessage = true, "no metrics: the count is the minimum in force"
		return d.Min, fmt.Sprintf("no metrics: the minimum in force is %d", d.Min)
	}
	tolerance := tolerance(in.Spec)
	best, why, missing := int32(-1), "", []string{}
	for _, m := range in.Metrics {
		st := flotillav1alpha1.ScalingMetricStatus{Name: m.Name, Message: m.Message}
		if m.Value == nil {
			missing = append(missing, m.Name+": "+m.Message)
			d.Statuses = append(d.Statuses, st)
			continue
		}
		r := replicasFor(m, in.Current, tolerance)
		st.Value, st.Replicas = strconv.FormatFloat(*m.Value, 'g', 6, 64), r
		d.Statuses = append(d.Statuses, st)
		if r > best {
			best, why = r, fmt.Sprintf("metric %s is %s (target %s)", m.Name, st.Value, strconv.FormatFloat(m.Target, 'g', 6, 64))
		}
	}
	if len(missing) > 0 {
		d.MetricMessage = "cannot read " + strings.Join(missing, "; ")
	}
	if best < 0 {
		return in.Current, "no metric could be read"
	}
	d.MetricsOK = true
	if len(missing) > 0 && best < in.Current {
		return in.Current, why + "; not scaling down while " + strings.Join(names(missing), ", ") + " cannot be read"
	}
	return best, why
}

func names(missing []string) []string {
	out := make([]string, len(missing))
	for i, m := range missing {
		out[i], _, _ = strings.Cut(m, ":")
	}
	return out
}

// replicasFor is one metric's recommendation.
func replicasFor(m Metric, current int32, tolerance float64) int32 {
	v := *m.Value
	switch m.Kind {
	case AverageValue:
		if current > 0 && math.Abs(v/(float64(current)*m.Target)-1) <= tolerance {
			return current
		}
		return ceil(v / m.Target)
	default:
		if current == 0 {
			if v > 0 {
				return 1
			}
			return 0
		}
		ratio := v / m.Target
		if math.Abs(ratio-1) <= tolerance {
			return current
		}
		return ceil(float64(current) * ratio)
	}
}

func ceil(f float64) int32 {
	if f <= 0 || math.IsNaN(f) {
		return 0
	}
	if f >= math.MaxInt32 {
		return math.MaxInt32
	}
	return int32(math.Ceil(f - 1e-9))
}

func tolerance(s *flotillav1alpha1.FleetAutoscalerSpec) float64 {
	if s.Behavior != nil && s.Behavior.Tolerance != nil {
		if t, err := strconv.ParseFloat(*s.Behavior.Tolerance, 64); err == nil && t >= 0 {
			return t
		}
	}
	return DefaultTolerance
}

// rules returns the rules of one direction with their defaults.
func rules(s *flotillav1alpha1.FleetAutoscalerSpec, up bool) flotillav1alpha1.ScalingRules {
	var r *flotillav1alpha1.ScalingRules
	if s.Behavior != nil {
		if up {
			r = s.Behavior.ScaleUp
		} else {
			r = s.Behavior.ScaleDown
		}
	}
	out := flotillav1alpha1.ScalingRules{}
	if r != nil {
		out = *r.DeepCopy()
	}
	if out.StabilizationWindowSeconds == nil {
		w := int32(0)
		if !up {
			w = int32(DefaultScaleDownWindow / time.Second)
		}
		out.StabilizationWindowSeconds = &w
	}
	if len(out.Policies) == 0 {
		period := int32(defaultPolicyPeriod / time.Second)
		if up {
			out.Policies = []flotillav1alpha1.ScalingPolicy{{Type: flotillav1alpha1.PercentPolicy, Value: defaultScaleUpPercent, PeriodSeconds: period},
				{Type: flotillav1alpha1.PodsPolicy, Value: defaultScaleUpPods, PeriodSeconds: period}}
		} else {
			out.Policies = []flotillav1alpha1.ScalingPolicy{{Type: flotillav1alpha1.PercentPolicy, Value: defaultScaleDownPercent, PeriodSeconds: period}}
		}
	}
	if out.SelectPolicy == "" {
		out.SelectPolicy = flotillav1alpha1.SelectMax
	}
	return out
}

func window(s *flotillav1alpha1.FleetAutoscalerSpec, up bool) time.Duration {
	return time.Duration(*rules(s, up).StabilizationWindowSeconds) * time.Second
}

// record adds this pass' recommendation to the history. The history holds one entry per
// recommended count, stamped with the last time it was recommended: the windows only ask for
// the highest and the lowest count recommended within them, so a count's older occurrences add
// nothing. It stays as small as the number of distinct counts of the longest window, whatever
// the interval. Entries older than that window are dropped.
func record(prev []flotillav1alpha1.Recommendation, rec flotillav1alpha1.Recommendation, now time.Time, keep time.Duration) []flotillav1alpha1.Recommendation {
	out := make([]flotillav1alpha1.Recommendation, 0, len(prev)+1)
	for _, r := range prev {
		if r.Replicas != rec.Replicas && now.Sub(r.Time.Time) < keep {
			out = append(out, r)
		}
	}
	out = append(out, rec)
	if len(out) > maxHistory {
		out = out[len(out)-maxHistory:]
	}
	return out
}

// stabilize applies the windows: scaling up goes to the lowest recommendation of the up window,
// scaling down to the highest of the down window (the HPA's rule).
func stabilize(in Input, recs []flotillav1alpha1.Recommendation, rec int32) int32 {
	upWin, downWin := window(in.Spec, true), window(in.Spec, false)
	up, down := rec, rec
	for _, r := range recs {
		age := in.Now.Sub(r.Time.Time)
		if age < upWin && r.Replicas < up {
			up = r.Replicas
		}
		if age < downWin && r.Replicas > down {
			down = r.Replicas
		}
	}
	desired := in.Current
	if desired < up {
		desired = up
	}
	if desired > down {
		desired = down
	}
	return desired
}

// limitRate applies the rate policies to a change from the current count.
func limitRate(in Input, desired int32) int32 {
	if desired == in.Current {
		return desired
	}
	up := desired > in.Current
	r := rules(in.Spec, up)
	if r.SelectPolicy == flotillav1alpha1.SelectDisabled {
		return in.Current
	}
	var limit int32 = -1
	for _, p := range r.Policies {
		start := replicasAt(in, time.Duration(p.PeriodSeconds)*time.Second, up)
		var l int32
		switch {
		case up && p.Type == flotillav1alpha1.PodsPolicy:
			l = start + p.Value
		case up:
			l = ceil(float64(start) * (1 + float64(p.Value)/100))
		case p.Type == flotillav1alpha1.PodsPolicy:
			l = start - p.Value
		default:
			l = ceil(float64(start) * (1 - float64(p.Value)/100))
		}
		// Max allows the biggest change: the highest limit up, the lowest down.
		better := (up == (r.SelectPolicy == flotillav1alpha1.SelectMax) && l > limit) || (up != (r.SelectPolicy == flotillav1alpha1.SelectMax) && l < limit)
		if limit < 0 || better {
			limit = l
		}
	}
	if up {
		return max(in.Current, min(desired, limit))
	}
	return min(in.Current, max(desired, limit, 0))
}

// replicasAt is the count the period started from: the current count less the changes in the
// same direction within the period.
func replicasAt(in Input, period time.Duration, up bool) int32 {
	n := in.Current
	for _, s := range in.Previous.Scales {
		if in.Now.Sub(s.Time.Time) >= period {
			continue
		}
		if up && s.To > s.From {
			n -= s.To - s.From
		}
		if !up && s.To < s.From {
			n += s.From - s.To
		}
	}
	return max(n, 0)
}

// trimScales keeps the scale events the longest policy period can still count.
func trimScales(prev []flotillav1alpha1.ScaleEvent, now time.Time, s *flotillav1alpha1.FleetAutoscalerSpec) []flotillav1alpha1.ScaleEvent {
	longest := time.Duration(0)
	for _, up := range []bool{true, false} {
		for _, p := range rules(s, up).Policies {
			longest = max(longest, time.Duration(p.PeriodSeconds)*time.Second)
		}
	}
	out := make([]flotillav1alpha1.ScaleEvent, 0, len(prev)+1)
	for _, e := range prev {
		if now.Sub(e.Time.Time) < longest {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(&out[j].Time) })
	if len(out) > maxHistory {
		out = out[len(out)-maxHistory:]
	}
	return out
}
