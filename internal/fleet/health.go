package fleet

import (
	"time"
)

// Thresholds tune the hysteresis of the reachability decision.
type Thresholds struct {
	// Failure is how long probes must keep failing before a Reachable cluster is declared
	// unreachable. A blip shorter than this changes nothing.
	Failure time.Duration
	// Success is how long probes must keep succeeding before an unreachable cluster is declared
	// reachable again.
	Success time.Duration
}

// DefaultThresholds wait 30 seconds both ways.
var DefaultThresholds = Thresholds{Failure: 30 * time.Second, Success: 30 * time.Second}

// Reachability is the debounced verdict on a member's API server.
type Reachability string

// Reachability values.
const (
	// ReachabilityUnknown: never probed (a cluster that has just joined).
	ReachabilityUnknown Reachability = "Unknown"
	// Reachable: the API server answers.
	Reachable Reachability = "Reachable"
	// Unreachable: the API server has not answered for at least Thresholds.Failure.
	Unreachable Reachability = "Unreachable"
)

// HealthState is the hysteresis state of one member. The zero value is a cluster never probed.
type HealthState struct {
	// Verdict is the debounced reachability.
	Verdict Reachability
	// Since is when Verdict last changed (zero while Unknown).
	Since time.Time
	// ContradictedSince is when probes started to disagree with Verdict without interruption;
	// zero when the last probe agreed with it.
	ContradictedSince time.Time
	// ConsecutiveFailures counts the failed probes since the last success.
	ConsecutiveFailures int
}

// Observe folds one probe result taken at now into s and returns the new state.
//
// A never-probed cluster takes the first result at once, so a freshly joined cluster turns
// Reachable on its first successful probe. Afterwards the verdict only flips once probes have
// contradicted it without interruption for the threshold of that direction: Failure to become
// Unreachable, Success to become Reachable again. One agreeing probe resets the count.
func Observe(s HealthState, ok bool, now time.Time, th Thresholds) HealthState {
	if ok {
		s.ConsecutiveFailures = 0
	} else {
		s.ConsecutiveFailures++
	}
	observed := Unreachable
	if ok {
		observed = Reachable
	}
	switch s.Verdict {
	case ReachabilityUnknown, "":
		return HealthState{Verdict: observed, Since: now, ConsecutiveFailures: s.ConsecutiveFailures}
	case observed:
		s.ContradictedSince = time.Time{}
		return s
	}
	if s.ContradictedSince.IsZero() || now.Before(s.ContradictedSince) {
		s.ContradictedSince = now
	}
	threshold := th.Failure
	if ok {
		threshold = th.Success
	}
	if now.Sub(s.ContradictedSince) >= threshold {
		return HealthState{Verdict: observed, Since: now, ConsecutiveFailures: s.ConsecutiveFailures}
	}
	return s
}

// Seed rebuilds the hysteresis state from what the status last recorded, so that restarting the
// controller neither forgets that a cluster was lost nor treats one failed probe after the
// restart as a fresh cluster's first verdict. reachable is nil when the status has no Reachable
// condition yet.
func Seed(reachable *bool, since time.Time) HealthState {
	switch {
	case reachable == nil:
		return HealthState{Verdict: ReachabilityUnknown}
	case *reachable:
		return HealthState{Verdict: Reachable, Since: since}
	default:
		return HealthState{Verdict: Unreachable, Since: since}
	}
}

// NextProbe is how long to wait before probing again. While the cluster answers, is within its
// failure threshold, or is recovering, that is interval. Once it has been declared unreachable
// the delay grows with how long it has been lost (half of it), between interval and maxDelay, so
// a dead cluster is not hammered and reconnecting never hot-loops.
func NextProbe(s HealthState, now time.Time, interval, maxDelay time.Duration) time.Duration {
	if s.Verdict != Unreachable || !s.ContradictedSince.IsZero() {
		return interval
	}
	return min(max(now.Sub(s.Since)/2, interval), max(maxDelay, interval))
}
