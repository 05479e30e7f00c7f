package recommender

import (
	"math"
	"testing"
	"time"

	"k8s.io/utils/ptr"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// FuzzDecide feeds random counts, values and policies: the decision always stays within its
// bounds (or holds the current count during a rollout), and never panics.
func FuzzDecide(f *testing.F) {
	f.Add(int32(1), int32(10), int32(4), 120.0, 50.0, int32(3), int32(30), false, "0 9 * * *", "Europe/Paris")
	f.Add(int32(0), int32(1), int32(0), 0.0, 1.0, int32(1), int32(1), true, "bad", "")
	f.Fuzz(func(t *testing.T, lo, hi, current int32, value, target float64, podsPolicy, period int32, rollout bool, cron, tz string) {
		if lo < 0 || hi < 1 || lo > hi || current < 0 || target <= 0 || math.IsNaN(value) || math.IsInf(value, 0) || value < 0 {
			return
		}
		s := spec(lo, hi)
		if podsPolicy > 0 && period > 0 && period <= 1800 {
			s.Behavior = &flotillav1alpha1.ScalingBehavior{ScaleUp: &flotillav1alpha1.ScalingRules{
				Policies: []flotillav1alpha1.ScalingPolicy{{Type: flotillav1alpha1.PodsPolicy, Value: podsPolicy, PeriodSeconds: period}}}}
		}
		s.Schedules = []flotillav1alpha1.ScalingSchedule{{Name: "s", Schedule: cron, TimeZone: tz, MinReplicas: ptr.To(lo)}}
		s.Schedules[0].Duration.Duration = time.Hour
		for _, kind := range []Kind{AverageValue, Ratio} {
			d := Decide(Input{Spec: s, Current: current, Metrics: []Metric{{Name: "m", Kind: kind, Target: target, Value: &value}},
				RolloutInProgress: rollout, Now: t0})
			held := rollout && d.Desired == current
			if !held && (d.Desired < d.Min || d.Desired > d.Max) {
				t.Fatalf("desired %d outside [%d, %d] (current %d, value %v target %v)", d.Desired, d.Min, d.Max, current, value, target)
			}
		}
	})
}
