package recommender

import (
	"strings"
	"testing"
)

func TestBurst(t *testing.T) {
	memory := func(limit int64, usage float64) BurstInput {
		return BurstInput{Current: map[Key]int64{memReq: limit / 2, memLim: limit}, MemoryBytes: usage, CPUCores: -1,
			MemoryThresholdPercent: 90, CPUThresholdPercent: 90, StepPercent: 50}
	}
	cpu := func(limit int64, cores float64) BurstInput {
		return BurstInput{Current: map[Key]int64{cpuReq: limit / 2, cpuLim: limit}, CPUCores: cores,
			MemoryThresholdPercent: 90, CPUThresholdPercent: 90, StepPercent: 50}
	}
	with := func(in BurstInput, f func(*BurstInput)) BurstInput { f(&in); return in }

	tests := []struct {
		name    string
		in      BurstInput
		values  map[Key]int64
		raised  int
		blocked string
		reason  string // substring of the first raise's reason
	}{
		{
			name:   "raises the memory limit at 92% of the limit",
			in:     memory(gi, 0.92*float64(gi)),
			values: map[Key]int64{memLim: 1536 * MiB, memReq: gi / 2},
			raised: 1,
			reason: "memory working set 942.1Mi is 92% of the memory limit 1Gi (threshold 90%): +50% = 1536Mi",
		},
		{
			name:   "a working set above the limit raises from the working set",
			in:     memory(gi, 1.2*float64(gi)),
			values: map[Key]int64{memLim: ceilMiB(1.8 * float64(gi))},
			raised: 1,
		},
		{
			name:   "does nothing at 50% of the memory limit",
			in:     memory(gi, 0.5*float64(gi)),
			values: map[Key]int64{memLim: gi},
		},
		{
			name:   "caps the raise at maxAllowed",
			in:     with(memory(gi, 0.95*float64(gi)), func(in *BurstInput) { in.MaxAllowed = map[Resource]int64{Memory: 1200 * MiB} }),
			values: map[Key]int64{memLim: 1200 * MiB},
			raised: 1,
			reason: "+50% = 1536Mi; capped at maxAllowed: 1200Mi",
		},
		{
			name:    "reports Blocked when the limit is already at maxAllowed",
			in:      with(memory(gi, 0.95*float64(gi)), func(in *BurstInput) { in.MaxAllowed = map[Resource]int64{Memory: gi} }),
			values:  map[Key]int64{memLim: gi},
			blocked: "memory limit already at maxAllowed 1Gi",
		},
		{
			name:    "never lowers a limit above maxAllowed",
			in:      with(memory(2*gi, 1.9*float64(gi)), func(in *BurstInput) { in.MaxAllowed = map[Resource]int64{Memory: gi} }),
			values:  map[Key]int64{memLim: 2 * gi},
			blocked: "memory limit 2Gi already above maxAllowed 1Gi",
		},
		{
			name:   "CPU burst raises a throttled CPU limit",
			in:     cpu(500, 0.48),
			values: map[Key]int64{cpuLim: 750, cpuReq: 250},
			raised: 1,
			reason: "cpu rate 0.48 cores is 96% of the cpu limit 500m (threshold 90%): +50% = 750m",
		},
		{
			name:   "CPU below the threshold does nothing",
			in:     cpu(500, 0.3),
			values: map[Key]int64{cpuLim: 500},
		},
		{
			name:   "unknown CPU does nothing",
			in:     cpu(500, -1),
			values: map[Key]int64{cpuLim: 500},
		},
		{
			name:   "Guaranteed raises the request with the limit",
			in:     with(cpu(500, 0.5), func(in *BurstInput) { in.Current[cpuReq] = 500; in.Guaranteed = true }),
			values: map[Key]int64{cpuLim: 750, cpuReq: 750},
			raised: 2,
		},
		{
			name:   "no limit set: nothing to raise",
			in:     BurstInput{Current: map[Key]int64{memReq: gi}, MemoryBytes: 2 * float64(gi), MemoryThresholdPercent: 90, StepPercent: 50, CPUCores: -1},
			values: map[Key]int64{memReq: gi},
		},
		{
			name:    "a step that is not positive is reported",
			in:      with(memory(gi, 0.95*float64(gi)), func(in *BurstInput) { in.StepPercent = 0 }),
			values:  map[Key]int64{memLim: gi},
			blocked: "memory limit not raised at 95% usage: stepPercent 0 is not a positive number",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := Burst(tc.in)
			checkBurst(t, tc.in, out)
			for k, want := range tc.values {
				if got := out.Values[k]; got != want {
					t.Errorf("value of %s = %d, want %d", k, got, want)
				}
			}
			if len(out.Raised) != tc.raised {
				t.Errorf("%d raised, want %d: %+v", len(out.Raised), tc.raised, out.Raised)
			}
			if tc.reason != "" && (len(out.Raised) == 0 || !strings.Contains(out.Raised[0].Reason, tc.reason)) {
				t.Errorf("raised %+v, want a reason containing %q", out.Raised, tc.reason)
			}
			if out.Blocked != tc.blocked {
				t.Errorf("blocked %q, want %q", out.Blocked, tc.blocked)
			}
		})
	}
}
