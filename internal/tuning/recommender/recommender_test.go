package recommender

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// input returns an Input with enough samples and the given usage, current values and targets.
func input(cpu, memory Quantiles, current map[Key]int64, targets ...Target) Input {
	return Input{
		Targets:    targets,
		Current:    current,
		Usage:      Usage{Samples: 1000, CPU: cpu, Memory: memory},
		MinSamples: 100,
	}
}

func TestRecommend(t *testing.T) {
	cpu := func(p float64) Quantiles { return dist{p: p, peak: p * 2} }
	mem := func(p, peak float64) Quantiles { return dist{p: p, peak: peak} }
	p90 := func(k Key, margin float64) Target { return Target{Key: k, Percentile: 90, MarginPercent: margin} }
	with := func(in Input, f func(*Input)) Input { f(&in); return in }

	tests := []struct {
		name        string
		in          Input
		values      map[Key]int64            // expected Output.Values for these keys
		recommended map[Key]int64            // expected Decision.Recommended
		change      map[Key]bool             // expected Decision.Change
		reason      map[Key]string           // substring of Decision.Reason
		decisions   int                      // expected number of decisions (-1: do not check)
		note        string                   // substring of one of the notes
		absent      []Key                    // keys that must not be in Values
		extra       func(*testing.T, Output) // more checks
	}{
		{
			name:      "not enough samples: nothing recommended",
			in:        with(input(cpu(0.3), nil, map[Key]int64{cpuReq: 500}, p90(cpuReq, 0)), func(in *Input) { in.Usage.Samples = 10 }),
			values:    map[Key]int64{cpuReq: 500},
			note:      "not enough data: 10 of 100 samples",
			decisions: 0,
		},
		{
			name:      "rule 1: cpu target is the percentile plus the margin, rounded up to 1m",
			in:        input(cpu(0.312), nil, map[Key]int64{cpuReq: 500}, p90(cpuReq, 10)),
			values:    map[Key]int64{cpuReq: 344},
			change:    map[Key]bool{cpuReq: true},
			reason:    map[Key]string{cpuReq: "P90 of cpu 0.312 cores +10% = 344m"},
			decisions: 1,
		},
		{
			name:      "rule 1: memory target is rounded up to a whole MiB",
			in:        input(nil, mem(400.5*mi, 450*mi), map[Key]int64{memReq: 512 * MiB}, Target{Key: memReq, Percentile: 95}),
			values:    map[Key]int64{memReq: 401 * MiB},
			reason:    map[Key]string{memReq: "P95 of memory 400.5Mi = 401Mi"},
			decisions: 1,
		},
		{
			name:      "rule 1: a cpu target is at least 1m",
			in:        input(cpu(0), nil, map[Key]int64{cpuReq: 100}, p90(cpuReq, 10)),
			values:    map[Key]int64{cpuReq: 1},
			decisions: 1,
		},
		{
			name:      "rule 1: percentile 100 is the peak",
			in:        input(dist{p: 0.1, peak: 0.8}, nil, map[Key]int64{cpuLim: 500}, Target{Key: cpuLim, Percentile: 100}),
			values:    map[Key]int64{cpuLim: 800},
			reason:    map[Key]string{cpuLim: "peak of cpu 0.8 cores = 800m"},
			decisions: 1,
		},
		{
			name:      "rule 2: a target on a key the container does not set is skipped with a note",
			in:        input(cpu(0.3), mem(100*mi, 100*mi), map[Key]int64{cpuReq: 500}, p90(memLim, 10)),
			values:    map[Key]int64{cpuReq: 500},
			absent:    []Key{memLim},
			note:      "the container does not set its memory limit: target skipped",
			decisions: 0,
		},
		{
			name:      "rule 2: a key set to 0 is skipped",
			in:        input(cpu(0.3), nil, map[Key]int64{cpuReq: 0}, p90(cpuReq, 10)),
			values:    map[Key]int64{cpuReq: 0},
			note:      "sets its cpu request to 0",
			decisions: 0,
		},
		{
			name:        "rule 3: step limit up",
			in:          with(input(cpu(0.4), nil, map[Key]int64{cpuLim: 100}, p90(cpuLim, 0)), func(in *Input) { in.MaxStepPercent = 50 }),
			values:      map[Key]int64{cpuLim: 150},
			recommended: map[Key]int64{cpuLim: 150},
			reason:      map[Key]string{cpuLim: "P90 of cpu 0.4 cores = 400m; limited to +50% per step: 150m"},
			decisions:   1,
		},
		{
			name:      "rule 3: step limit down",
			in:        with(input(cpu(0.312), nil, map[Key]int64{cpuReq: 1000}, p90(cpuReq, 10)), func(in *Input) { in.MaxStepPercent = 50 }),
			values:    map[Key]int64{cpuReq: 500},
			reason:    map[Key]string{cpuReq: "P90 of cpu 0.312 cores +10% = 344m; limited to -50% per step: 500m"},
			decisions: 1,
		},
		{
			name:      "rule 3: a memory step limit is rounded to a MiB towards the current value",
			in:        with(input(nil, mem(10*mi, 10*mi), map[Key]int64{memReq: 100 * MiB}, p90(memReq, 0)), func(in *Input) { in.MaxStepPercent = 25.5 }),
			values:    map[Key]int64{memReq: 75 * MiB},
			decisions: 1,
		},
		{
			name:      "rule 4: bounds clamp up to minAllowed",
			in:        with(input(cpu(0.02), nil, map[Key]int64{cpuReq: 500}, p90(cpuReq, 0)), func(in *Input) { in.MinAllowed = map[Resource]int64{CPU: 100} }),
			values:    map[Key]int64{cpuReq: 100},
			reason:    map[Key]string{cpuReq: "raised to minAllowed: 100m"},
			decisions: 1,
		},
		{
			name:      "rule 4: bounds clamp down to maxAllowed",
			in:        with(input(cpu(4), nil, map[Key]int64{cpuLim: 1000}, p90(cpuLim, 0)), func(in *Input) { in.MaxAllowed = map[Resource]int64{CPU: 2000} }),
			values:    map[Key]int64{cpuLim: 2000},
			reason:    map[Key]string{cpuLim: "lowered to maxAllowed: 2"},
			decisions: 1,
		},
		{
			name: "rule 4: bounds come after the step limit",
			in: with(input(cpu(0.3), nil, map[Key]int64{cpuLim: 1000}, p90(cpuLim, 0)), func(in *Input) {
				in.MaxStepPercent = 10
				in.MaxAllowed = map[Resource]int64{CPU: 500}
			}),
			values:    map[Key]int64{cpuLim: 500},
			decisions: 1,
		},
		{
			name: "rule 5: the memory floor blocks an unsafe lowering",
			in: with(input(nil, mem(200*mi, 550*mi), map[Key]int64{memLim: gi}, p90(memLim, 0)), func(in *Input) {
				in.Usage.CurrentMemory = 500 * mi
				in.MemoryMarginPercent = 20
			}),
			values:    map[Key]int64{memLim: 600 * MiB},
			change:    map[Key]bool{memLim: true},
			reason:    map[Key]string{memLim: "never below the memory floor 600Mi (peak 550Mi, working set 500Mi +20%): 600Mi"},
			decisions: 1,
		},
		{
			name:        "rule 5: a floor above the current value keeps the memory limit",
			in:          input(nil, mem(300*mi, 700*mi), map[Key]int64{memLim: 512 * MiB}, p90(memLim, 0)),
			values:      map[Key]int64{memLim: 512 * MiB},
			recommended: map[Key]int64{memLim: 512 * MiB},
			change:      map[Key]bool{memLim: false},
			decisions:   1,
		},
		{
			name:        "rule 5: a floor above maxAllowed: no lowering, and a note",
			in:          with(input(nil, mem(500*mi, 1536*mi), map[Key]int64{memLim: 2 * gi}, p90(memLim, 0)), func(in *Input) { in.MaxAllowed = map[Resource]int64{Memory: gi} }),
			values:      map[Key]int64{memLim: 2 * gi},
			recommended: map[Key]int64{memLim: 2 * gi},
			change:      map[Key]bool{memLim: false},
			note:        "memory peak 1536Mi is above maxAllowed 1Gi",
			decisions:   1,
		},
		{
			name:      "rule 5: raising a memory limit is allowed",
			in:        with(input(nil, mem(400*mi, 900*mi), map[Key]int64{memLim: 256 * MiB}, Target{Key: memLim, Percentile: 100, MarginPercent: 20}), func(in *Input) { in.MaxAllowed = map[Resource]int64{Memory: 2 * gi} }),
			values:    map[Key]int64{memLim: 1080 * MiB},
			change:    map[Key]bool{memLim: true},
			decisions: 1,
		},
		{
			name:      "rule 5: the floor is for limits: a memory request may go below the peak",
			in:        input(nil, mem(200*mi, 800*mi), map[Key]int64{memReq: gi}, p90(memReq, 0)),
			values:    map[Key]int64{memReq: 200 * MiB},
			decisions: 1,
		},
		{
			name:      "rule 6: a request above its limit is lowered to the limit",
			in:        input(cpu(0.8), nil, map[Key]int64{cpuReq: 500, cpuLim: 600}, p90(cpuReq, 0)),
			values:    map[Key]int64{cpuReq: 600, cpuLim: 600},
			reason:    map[Key]string{cpuReq: "lowered to the cpu limit: 600m"},
			note:      "the cpu request is lowered to the cpu limit 600m",
			decisions: 1,
		},
		{
			name:        "rule 6: a request follows its limit down",
			in:          input(cpu(0.3), nil, map[Key]int64{cpuReq: 500, cpuLim: 1000}, p90(cpuLim, 0)),
			values:      map[Key]int64{cpuReq: 300, cpuLim: 300},
			recommended: map[Key]int64{cpuReq: 300, cpuLim: 300},
			change:      map[Key]bool{cpuReq: true, cpuLim: true},
			decisions:   2,
		},
		{
			name: "rule 6: a limit change held by the hysteresis keeps the request below the kept limit",
			in: with(input(cpu(0.98), nil, map[Key]int64{cpuReq: 500, cpuLim: 1000}, p90(cpuReq, 0), p90(cpuLim, -4)), func(in *Input) {
				in.MinChangePercent = 10
			}),
			values:    map[Key]int64{cpuReq: 980, cpuLim: 1000},
			change:    map[Key]bool{cpuReq: true, cpuLim: false},
			decisions: 2,
		},
		{
			name: "rule 6: Guaranteed keeps request and limit equal, from the limit's target",
			in: with(input(cpu(0.4), nil, map[Key]int64{cpuReq: 1000, cpuLim: 1000}, p90(cpuReq, 50), p90(cpuLim, 0)), func(in *Input) {
				in.Guaranteed = true
			}),
			values:      map[Key]int64{cpuReq: 400, cpuLim: 400},
			recommended: map[Key]int64{cpuReq: 400, cpuLim: 400},
			change:      map[Key]bool{cpuReq: true, cpuLim: true},
			reason:      map[Key]string{cpuReq: "equal to the cpu limit (Guaranteed)"},
			decisions:   2,
		},
		{
			name: "rule 6: Guaranteed with only a request target moves both, respecting the memory floor",
			in: with(input(nil, mem(300*mi, 500*mi), map[Key]int64{memReq: gi, memLim: gi}, p90(memReq, 0)), func(in *Input) {
				in.Guaranteed = true
			}),
			values:    map[Key]int64{memReq: 500 * MiB, memLim: 500 * MiB},
			reason:    map[Key]string{memLim: "target of the memory request (Guaranteed): P90 of memory 300Mi = 300Mi; never below the memory floor 500Mi"},
			decisions: 2,
		},
		{
			name: "rule 6: Guaranteed respects the bounds",
			in: with(input(cpu(4), nil, map[Key]int64{cpuReq: 1000, cpuLim: 1000}, p90(cpuReq, 0)), func(in *Input) {
				in.Guaranteed = true
				in.MaxAllowed = map[Resource]int64{CPU: 2000}
			}),
			values:    map[Key]int64{cpuReq: 2000, cpuLim: 2000},
			decisions: 2,
		},
		{
			name:        "rule 7: hysteresis suppresses a 5% change with MinChangePercent 10",
			in:          with(input(cpu(0.95), nil, map[Key]int64{cpuReq: 1000}, p90(cpuReq, 0)), func(in *Input) { in.MinChangePercent = 10 }),
			values:      map[Key]int64{cpuReq: 1000},
			recommended: map[Key]int64{cpuReq: 950},
			change:      map[Key]bool{cpuReq: false},
			reason:      map[Key]string{cpuReq: "a change of 5% is below the 10% minimum: kept at 1"},
			decisions:   1,
			extra: func(t *testing.T, out Output) {
				if out.Changed {
					t.Error("Changed is true without a change")
				}
			},
		},
		{
			name:      "rule 7: a 10% change passes MinChangePercent 10",
			in:        with(input(cpu(0.9), nil, map[Key]int64{cpuReq: 1000}, p90(cpuReq, 0)), func(in *Input) { in.MinChangePercent = 10 }),
			values:    map[Key]int64{cpuReq: 900},
			change:    map[Key]bool{cpuReq: true},
			decisions: 1,
		},
		{
			name: "rule 8: minAllowed above maxAllowed: the resource is not tuned",
			in: with(input(cpu(0.3), nil, map[Key]int64{cpuReq: 500}, p90(cpuReq, 0)), func(in *Input) {
				in.MinAllowed = map[Resource]int64{CPU: 2000}
				in.MaxAllowed = map[Resource]int64{CPU: 1000}
			}),
			values:    map[Key]int64{cpuReq: 500},
			note:      "minAllowed 2 of cpu is above maxAllowed 1: cpu not tuned",
			decisions: 0,
		},
		{
			name:      "the first target of a key wins",
			in:        input(cpu(0.3), nil, map[Key]int64{cpuReq: 500}, p90(cpuReq, 0), p90(cpuReq, 100)),
			values:    map[Key]int64{cpuReq: 300},
			note:      "more than one target for the cpu request",
			decisions: 1,
		},
		{
			name:      "usage that is not a number is skipped",
			in:        input(cpu(math.NaN()), nil, map[Key]int64{cpuReq: 500}, p90(cpuReq, 0)),
			values:    map[Key]int64{cpuReq: 500},
			note:      "the P90 of cpu usage is NaN",
			decisions: 0,
		},
		{
			name:      "a memory peak that is not a number never lowers a limit",
			in:        input(nil, mem(100*mi, math.NaN()), map[Key]int64{memLim: gi}, p90(memLim, 0)),
			values:    map[Key]int64{memLim: gi},
			note:      "the memory limit is not lowered",
			decisions: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := Recommend(tc.in)
			checkRecommend(t, tc.in, out)
			for k, want := range tc.values {
				if got, ok := out.Values[k]; !ok || got != want {
					t.Errorf("value of %s = %d (set %v), want %d", k, got, ok, want)
				}
			}
			for _, k := range tc.absent {
				if _, ok := out.Values[k]; ok {
					t.Errorf("%s is in the values", k)
				}
			}
			byKey := map[Key]Decision{}
			for _, d := range out.Decisions {
				byKey[d.Key] = d
			}
			if tc.decisions >= 0 && len(out.Decisions) != tc.decisions {
				t.Errorf("%d decisions, want %d: %+v", len(out.Decisions), tc.decisions, out.Decisions)
			}
			for k, want := range tc.recommended {
				if got := byKey[k].Recommended; got != want {
					t.Errorf("recommended %s = %d, want %d (%s)", k, got, want, byKey[k].Reason)
				}
			}
			for k, want := range tc.change {
				if got := byKey[k].Change; got != want {
					t.Errorf("change of %s = %v, want %v (%s)", k, got, want, byKey[k].Reason)
				}
			}
			for k, want := range tc.reason {
				if got := byKey[k].Reason; !strings.Contains(got, want) {
					t.Errorf("reason of %s = %q, want it to contain %q", k, got, want)
				}
			}
			if tc.note != "" && !slices.ContainsFunc(out.Notes, func(n string) bool { return strings.Contains(n, tc.note) }) {
				t.Errorf("notes %q, want one containing %q", out.Notes, tc.note)
			}
			if tc.extra != nil {
				tc.extra(t, out)
			}
		})
	}
}

func TestKeyString(t *testing.T) {
	if got := (Key{Memory, Limit}).String(); got != "memory limit" {
		t.Errorf("Key.String() = %q", got)
	}
}
