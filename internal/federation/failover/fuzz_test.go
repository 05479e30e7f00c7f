package failover

import (
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// FuzzDecide checks the invariants of any decision: evicted clusters are excluded, no cluster
// is both held and excluded, no eviction starts before the tolerance or beyond the rate limit,
// and a cluster that is not lost never starts an eviction.
func FuzzDecide(f *testing.F) {
	f.Add(uint8(5), uint16(30), uint8(1), true, uint64(0x1234), uint64(0x0f0f))
	f.Add(uint8(1), uint16(0), uint8(3), false, uint64(0xffff), uint64(0))
	f.Fuzz(func(t *testing.T, n uint8, tolerance uint16, perMinute uint8, automatic bool, lostBits, evictedBits uint64) {
		n = n%12 + 1
		pol := policy(int32(tolerance%600), int32(perMinute%5)+1, flotillav1alpha1.FailBackNever)
		if automatic {
			pol.FailBack = flotillav1alpha1.FailBackAutomatic
		}
		in := Input{Policy: pol, Now: t0, Health: map[string]Health{}}
		for i := range int(n) {
			name := fmt.Sprintf("c%d", i)
			in.Placement = append(in.Placement, flotillav1alpha1.ClusterStatus{Name: name, Replicas: 2})
			if lostBits>>i&1 == 1 {
				in.Health[name] = Health{Lost: true, LostSince: t0.Add(-time.Duration(lostBits>>(i+12)&0x3ff) * time.Second)}
			} else {
				in.Health[name] = Health{}
			}
			if evictedBits>>i&1 == 1 {
				in.Evictions = append(in.Evictions, flotillav1alpha1.Eviction{Cluster: name,
					Since: metav1.NewTime(t0.Add(-time.Duration(evictedBits>>(i+12)&0x7f) * time.Second))})
			}
		}
		d := Decide(in)
		for _, e := range d.Evictions {
			if !d.Exclude[e.Cluster] {
				t.Fatalf("eviction of %s not excluded", e.Cluster)
			}
		}
		for name := range d.Hold {
			if d.Exclude[name] {
				t.Fatalf("%s both held and excluded", name)
			}
		}
		budget, _ := rateBudget(in)
		if len(d.Started) > max(budget, 0) {
			t.Fatalf("started %d evictions with a budget of %d", len(d.Started), budget)
		}
		for _, name := range d.Started {
			h := in.Health[name]
			if !h.Lost || t0.Sub(h.LostSince) < time.Duration(pol.TolerationSeconds)*time.Second {
				t.Fatalf("started evicting %s (%+v) before the tolerance %ds", name, h, pol.TolerationSeconds)
			}
		}
	})
}
