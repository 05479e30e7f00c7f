package fleet

import (
	"testing"
	"time"
)

func TestObserveHysteresis(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	th := Thresholds{Failure: 30 * time.Second, Success: 20 * time.Second}
	type probe struct {
		at int
		ok bool
	}
	tests := []struct {
		name        string
		start       HealthState
		probes      []probe
		wantVerdict Reachability
		wantSince   time.Time
	}{
		{"first success decides at once", HealthState{}, []probe{{0, true}}, Reachable, at(0)},
		{"first failure decides at once", HealthState{}, []probe{{0, false}}, Unreachable, at(0)},
		{"one failed probe is a blip", HealthState{Verdict: Reachable, Since: at(0)},
			[]probe{{5, false}}, Reachable, at(0)},
		{"failures shorter than the threshold change nothing", HealthState{Verdict: Reachable, Since: at(0)},
			[]probe{{5, false}, {15, false}, {34, false}}, Reachable, at(0)},
		{"failures for the threshold flip to Unreachable", HealthState{Verdict: Reachable, Since: at(0)},
			[]probe{{5, false}, {20, false}, {35, false}}, Unreachable, at(35)},
		{"a success in between restarts the count", HealthState{Verdict: Reachable, Since: at(0)},
			[]probe{{5, false}, {20, true}, {25, false}, {50, false}}, Reachable, at(0)},
		{"recovery needs the success threshold", HealthState{Verdict: Unreachable, Since: at(0)},
			[]probe{{5, true}, {15, true}}, Unreachable, at(0)},
		{"recovery after the success threshold", HealthState{Verdict: Unreachable, Since: at(0)},
			[]probe{{5, true}, {15, true}, {25, true}}, Reachable, at(25)},
		{"a failure during recovery restarts it", HealthState{Verdict: Unreachable, Since: at(0)},
			[]probe{{5, true}, {20, false}, {30, true}, {45, true}}, Unreachable, at(0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.start
			for _, p := range tt.probes {
				s = Observe(s, p.ok, at(p.at), th)
			}
			if s.Verdict != tt.wantVerdict || !s.Since.Equal(tt.wantSince) {
				t.Fatalf("got %s since %s, want %s since %s", s.Verdict, s.Since, tt.wantVerdict, tt.wantSince)
			}
		})
	}
}

func TestObserveWithZeroThresholdsFollowsEveryProbe(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := Observe(HealthState{Verdict: Reachable, Since: t0}, false, t0.Add(time.Second), Thresholds{})
	if s.Verdict != Unreachable || !s.Since.Equal(t0.Add(time.Second)) {
		t.Fatalf("got %s since %s", s.Verdict, s.Since)
	}
}

func TestObserveClockGoingBackwards(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := HealthState{Verdict: Reachable, Since: t0}
	s = Observe(s, false, t0.Add(time.Minute), DefaultThresholds)
	s = Observe(s, false, t0, DefaultThresholds) // clock stepped back
	if s.Verdict != Reachable {
		t.Fatalf("a clock step back must not shorten the failure threshold, got %s", s.Verdict)
	}
}

func TestSeed(t *testing.T) {
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	yes, no := true, false
	if got := Seed(nil, since); got.Verdict != ReachabilityUnknown {
		t.Errorf("no condition: got %s, want Unknown", got.Verdict)
	}
	if got := Seed(&yes, since); got.Verdict != Reachable || !got.Since.Equal(since) {
		t.Errorf("reachable: got %+v", got)
	}
	// After a controller restart one failed probe must not flip a reachable cluster.
	if got := Observe(Seed(&yes, since), false, since.Add(time.Hour), DefaultThresholds); got.Verdict != Reachable {
		t.Errorf("seeded reachable + one failure: got %s, want Reachable", got.Verdict)
	}
	if got := Seed(&no, since); got.Verdict != Unreachable {
		t.Errorf("unreachable: got %s", got.Verdict)
	}
}

func TestNextProbe(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	interval, maxDelay := 5*time.Second, 30*time.Second
	tests := []struct {
		name string
		s    HealthState
		now  time.Time
		want time.Duration
	}{
		{"reachable probes at the interval", HealthState{Verdict: Reachable, Since: t0}, t0.Add(time.Hour), interval},
		{"failing but not lost yet", HealthState{Verdict: Reachable, ContradictedSince: t0}, t0.Add(20 * time.Second), interval},
		{"just lost", HealthState{Verdict: Unreachable, Since: t0}, t0.Add(time.Second), interval},
		{"lost for 20s waits 10s", HealthState{Verdict: Unreachable, Since: t0}, t0.Add(20 * time.Second), 10 * time.Second},
		{"lost for long is capped", HealthState{Verdict: Unreachable, Since: t0}, t0.Add(time.Hour), maxDelay},
		{"recovering probes at the interval", HealthState{Verdict: Unreachable, Since: t0, ContradictedSince: t0.Add(time.Hour)}, t0.Add(time.Hour), interval},
		{"unknown probes at the interval", HealthState{}, t0, interval},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NextProbe(tt.s, tt.now, interval, maxDelay); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func FuzzObserve(f *testing.F) {
	f.Add(int64(0), uint8(0b1010), int64(5), int64(30), int64(30))
	f.Fuzz(func(t *testing.T, start int64, pattern uint8, step, failSec, okSec int64) {
		t0 := time.Unix(start%1e9, 0)
		th := Thresholds{Failure: time.Duration(failSec%120) * time.Second, Success: time.Duration(okSec%120) * time.Second}
		s := HealthState{}
		now := t0
		for i := range 8 {
			ok := pattern&(1<<i) != 0
			prev := s
			s = Observe(s, ok, now, th)
			if s.Verdict != prev.Verdict && prev.Verdict != "" && prev.Verdict != ReachabilityUnknown {
				want := Unreachable
				if ok {
					want = Reachable
				}
				if s.Verdict != want {
					t.Fatalf("verdict flipped to %s on a probe that said ok=%v", s.Verdict, ok)
				}
			}
			now = now.Add(time.Duration(step%60) * time.Second)
		}
	})
}
