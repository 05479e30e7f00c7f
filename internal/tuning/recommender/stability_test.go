package recommender

import (
	"math/rand/v2"
	"testing"
)

// TestStabilityUnderNoise feeds Recommend its own output, iteration after iteration, with usage
// that has ±5% of random noise around a fixed level: the values converge monotonically (no
// change of direction) to within 15% of the noise-free target, and then stay put for 500
// iterations, thanks to the 10% hysteresis.
func TestStabilityUnderNoise(t *testing.T) {
	const (
		cpuLevel    = 0.3      // cores
		memoryLevel = 300 * mi // bytes
		warmup      = 100
		stable      = 500
	)
	targets := []Target{
		{Key: cpuReq, Percentile: 90, MarginPercent: 10},
		{Key: cpuLim, Percentile: 100, MarginPercent: 30},
		{Key: memReq, Percentile: 90, MarginPercent: 10},
		{Key: memLim, Percentile: 100, MarginPercent: 20},
	}
	// The targets without noise, which the values must end within 15% of.
	ideal := map[Key]float64{
		cpuReq: cpuLevel * 1.1 * 1000, cpuLim: cpuLevel * 1.3 * 1000,
		memReq: memoryLevel * 1.1, memLim: memoryLevel * 1.2,
	}
	tests := []struct {
		name       string
		start      map[Key]int64
		guaranteed bool
	}{
		{name: "converging down", start: map[Key]int64{cpuReq: 4000, cpuLim: 8000, memReq: 4 * gi, memLim: 8 * gi}},
		{name: "converging up", start: map[Key]int64{cpuReq: 20, cpuLim: 30, memReq: 16 * MiB, memLim: 32 * MiB}},
		{name: "Guaranteed pair converging down", start: map[Key]int64{cpuReq: 4000, cpuLim: 4000, memReq: 4 * gi, memLim: 4 * gi}, guaranteed: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(42, 7))
			noisy := func(level float64) sorted {
				v := make([]float64, 240)
				for i := range v {
					v[i] = level * (1 + 0.05*(2*rng.Float64()-1))
				}
				return newSorted(v)
			}
			current := copyValues(tc.start)
			direction := map[Key]int{}
			flips, lastChange := 0, -1
			for i := range warmup + stable {
				in := Input{
					Targets:             targets,
					Current:             current,
					MinSamples:          100,
					MaxStepPercent:      50,
					MinChangePercent:    10,
					MemoryMarginPercent: 10,
					Guaranteed:          tc.guaranteed,
					Usage: Usage{
						Samples:       240,
						CPU:           noisy(cpuLevel),
						Memory:        noisy(memoryLevel),
						CurrentMemory: memoryLevel * (1 + 0.05*(2*rng.Float64()-1)),
					},
				}
				out := Recommend(in)
				checkRecommend(t, in, out)
				for _, d := range out.Decisions {
					if !d.Change {
						continue
					}
					lastChange = i
					dir := 1
					if d.Recommended < d.Current {
						dir = -1
					}
					if direction[d.Key] != 0 && direction[d.Key] != dir {
						flips++
						t.Logf("iteration %d: %s changed direction: %s", i, d.Key, d.Reason)
					}
					direction[d.Key] = dir
				}
				current = out.Values
			}
			if flips != 0 {
				t.Errorf("%d changes of direction", flips)
			}
			if lastChange >= warmup {
				t.Errorf("still changing at iteration %d, after the %d iterations of warm-up", lastChange, warmup)
			}
			for k, want := range ideal {
				if tc.guaranteed && k.Field == Request {
					want = ideal[Key{k.Resource, Limit}]
				}
				if got := float64(current[k]); got < want*0.85 || got > want*1.15 {
					t.Errorf("%s converged to %v, not within 15%% of %v", k, current[k], want)
				}
			}
			t.Logf("converged after %d iterations to %v", lastChange+1, current)
		})
	}
}
