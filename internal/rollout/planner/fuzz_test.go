package planner

import (
	"strconv"
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// FuzzPlan drives rollouts of random sizes and batches through a simulated fleet: no target may
// leave its bounds, stable never shrinks before the canary is available, and a healthy rollout
// always finishes.
func FuzzPlan(f *testing.F) {
	f.Add(int32(10), int32(4), int32(1), int32(3), uint8(30), true)
	f.Add(int32(0), int32(1), int32(100), int32(0), uint8(100), false)
	f.Add(int32(1), int32(1000), int32(7), int32(2), uint8(1), true)
	f.Fuzz(func(t *testing.T, a, b, first, second int32, percent uint8, waves bool) {
		if a < 0 || b < 0 || a > 5000 || b > 5000 {
			return
		}
		s := &flotillav1alpha1.RolloutStrategy{}
		if waves {
			s.Waves = []flotillav1alpha1.RolloutWave{{ClusterNames: []string{"a"}}}
		}
		for _, v := range []int32{first, second} {
			if v >= 1 {
				s.Batches = append(s.Batches, flotillav1alpha1.RolloutBatch{Replicas: intstr.FromInt32(v)})
			}
		}
		if percent >= 1 && percent <= 100 {
			s.Batches = append(s.Batches, flotillav1alpha1.RolloutBatch{Replicas: intstr.FromString(strconv.Itoa(int(percent)) + "%")})
		}
		w := newWorld("r1", map[string]int32{"a": a, "b": b})
		d, log := drive(t, w, Input{Strategy: s, Target: "r2", Stable: "r1", Now: t0}, 200)
		if d.Status.Phase != flotillav1alpha1.RolloutSucceeded {
			t.Fatalf("healthy rollout did not finish: %s; log %v", d.Status.Message, log)
		}
	})
}
