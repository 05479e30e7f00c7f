package scheduling

import (
	"fmt"
	"slices"
	"testing"
	"time"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// benchInput is a realistic decision: n clusters over 4 regions and 3 zones, a tenth of them
// not Ready, some tainted, varied room; a selector, a toleration, per-region weights, and a
// previous placement to keep.
func benchInput(n int, div flotillav1alpha1.ReplicaDivision) Input {
	in := Input{Replicas: int32(5 * n)}
	for i := range n {
		c := Cluster{
			Name:              fmt.Sprintf("member-%04d", i),
			Ready:             i%10 != 7,
			AvailableReplicas: int32(20 + (i*37)%200),
			Labels: map[string]string{
				flotillav1alpha1.LabelRegion: fmt.Sprintf("region-%d", i%4),
				flotillav1alpha1.LabelZone:   fmt.Sprintf("zone-%d", i%3),
				"env":                        "prod",
			},
		}
		switch i % 9 {
		case 3:
			c.Taints = []flotillav1alpha1.ClusterTaint{{Key: "spot", Effect: flotillav1alpha1.TaintEffectPreferNoSchedule}}
		case 5:
			c.Taints = []flotillav1alpha1.ClusterTaint{{Key: "gpu", Value: "true", Effect: flotillav1alpha1.TaintEffectNoSchedule}}
		}
		in.Clusters = append(in.Clusters, c)
	}
	in.Placement = flotillav1alpha1.Placement{
		ClusterSelector: labelSelector("env", "prod", "staging"),
		Tolerations:     []flotillav1alpha1.ClusterToleration{{Key: "gpu", Operator: flotillav1alpha1.TolerationOpExists}},
		ReplicaScheduling: flotillav1alpha1.ReplicaScheduling{
			Type: flotillav1alpha1.ReplicaSchedulingDivided, Division: div,
		},
	}
	if div == flotillav1alpha1.ReplicaDivisionStaticWeights {
		for r := range 4 {
			in.Placement.ReplicaScheduling.Weights = append(in.Placement.ReplicaScheduling.Weights,
				flotillav1alpha1.ClusterWeight{ClusterSelector: labelSelector(flotillav1alpha1.LabelRegion, fmt.Sprintf("region-%d", r)), Weight: int32(r + 1)})
		}
	}
	// The previous placement is the decision for a slightly smaller total, so the benchmark
	// measures a scale-up that keeps most of it.
	smaller := in
	smaller.Replicas = in.Replicas - int32(n/10)
	if d, err := Schedule(smaller); err == nil {
		in.Previous = d.Clusters
	}
	return in
}

func benchmarkSchedule(b *testing.B, n int) {
	for _, div := range []flotillav1alpha1.ReplicaDivision{flotillav1alpha1.ReplicaDivisionStaticWeights, flotillav1alpha1.ReplicaDivisionAvailableCapacity} {
		b.Run(string(div), func(b *testing.B) {
			in := benchInput(n, div)
			if d, err := Schedule(in); err != nil || len(d.Clusters) == 0 {
				b.Fatalf("benchmark input does not schedule: %v %q", err, d.Unschedulable)
			}
			lat := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				if _, err := Schedule(in); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			reportLatency(b, lat)
		})
	}
}

// reportLatency reports decisions per second and the P99 latency of the iterations.
func reportLatency(b *testing.B, lat []time.Duration) {
	var total time.Duration
	for _, d := range lat {
		total += d
	}
	slices.Sort(lat)
	p99 := lat[min(len(lat)-1, len(lat)*99/100)]
	b.ReportMetric(float64(len(lat))/total.Seconds(), "decisions/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
}

// BenchmarkSchedule100Clusters is the design target: >= 1,000 decisions/s, P99 <= 5 ms.
func BenchmarkSchedule100Clusters(b *testing.B) { benchmarkSchedule(b, 100) }

// BenchmarkSchedule1000Clusters shows how the decision scales with the fleet.
func BenchmarkSchedule1000Clusters(b *testing.B) { benchmarkSchedule(b, 1000) }
