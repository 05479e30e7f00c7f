// Package planner decides, from what the member clusters run now and the recorded state of a
// rollout, what each cluster should run next: how many replicas of the stable revision in the
// workload, how many of the new revision in the canary Deployment, and when the workload itself
// moves to the new revision. It is pure: no I/O, no clock (the time is an input).
//
// A rollout walks waves of clusters; inside the current wave it walks batches in lockstep: the
// canary of every cluster of the wave grows to the batch's share, the stable workload shrinks by
// what the canary has made available (make-before-break), and the next batch starts once every
// cluster of the wave is ready, its pause has elapsed or its gate was promoted, and (with
// analysis) one measurement after the batch was ready succeeded. The last batch (100%) updates the
// workload to the new revision and removes the canary once the workload is fully available.
//
// An abort (asked for, or a failed analysis with onFailure Abort) sends every cluster back to the
// stable revision at full size and removes every canary; the rollout is Aborted once all of them
// run the stable revision, available, again.
package planner

import (
	"fmt"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// Workload is what a member reports of one Deployment.
type Workload struct {
	// Exists is false when the member has no such Deployment.
	Exists bool
	// Revision is the ApplicationRevision the Deployment was applied from.
	Revision string
	// Replicas is spec.replicas; Current is true when the Deployment controller has seen the
	// latest spec (observedGeneration >= generation).
	Replicas int32
	Current  bool
	// StatusReplicas, Updated, Ready and Available are the Deployment's status counts.
	StatusReplicas, Updated, Ready, Available int32
}

// Cluster is one cluster of the placement.
type Cluster struct {
	Name   string
	Labels map[string]string
	// Replicas is the cluster's share of the application (scheduler and overrides).
	Replicas int32
	// Main is the application's workload; Canary is its canary Deployment.
	Main, Canary Workload
}

// Control is what users asked for through spec.rollout.paused and the rollout annotations.
type Control struct {
	Paused      bool
	Promote     string
	PromoteFull string
	Abort       string
	ResumedAt   time.Time
}

// Freeze is one fleet-wide change freeze.
type Freeze struct {
	Name    string
	Frozen  bool
	Since   time.Time
	Message string
}

// Verdict is the analysis' conclusion of this pass.
type Verdict struct {
	// Phase is Failed, Inconclusive (over the limit) or empty (nothing to act on).
	Phase   flotillav1alpha1.MeasurementPhase
	Message string
}

// Input is everything one decision depends on.
type Input struct {
	// Strategy is spec.rollout; nil applies every revision everywhere at once.
	Strategy *flotillav1alpha1.RolloutStrategy
	// Target is the revision of the current spec; Stable the last one that ran everywhere.
	Target, Stable string
	// Previous is the recorded rollout state (nil when none).
	Previous *flotillav1alpha1.RolloutStatus
	// Clusters of the placement, in any order.
	Clusters []Cluster
	Control  Control
	Freezes  []Freeze
	// Analysis is the analysis state after this pass' measurement, and Verdict its conclusion.
	Analysis *flotillav1alpha1.AnalysisStatus
	Verdict  Verdict
	Now      time.Time
}

// Target is what one cluster should run.
type Target struct {
	// MainRevision and MainReplicas are for the application's workload.
	MainRevision string
	MainReplicas int32
	// Canary is the replica count of the canary Deployment (new revision); 0 removes it.
	Canary int32
}

// Event is a transition worth telling users about.
type Event struct {
	Warning bool
	Reason  string
	Message string
}

// Decision is the planner's answer.
type Decision struct {
	// Targets holds what every cluster of the input should run.
	Targets map[string]Target
	// Status is the new rollout state (nil: no rollout to report).
	Status *flotillav1alpha1.RolloutStatus
	// Stable is the stable revision after this pass.
	Stable string
	// Requeue asks for another pass after this long (0: when something changes).
	Requeue time.Duration
	Events  []Event
}

// Plan decides what every cluster runs next.
func Plan(in Input) Decision {
	sort.Slice(in.Clusters, func(i, j int) bool { return in.Clusters[i].Name < in.Clusters[j].Name })
	if in.Strategy == nil || in.Stable == "" || in.Stable == in.Target {
		return direct(in)
	}
	p := &pass{in: in, d: Decision{Targets: map[string]Target{}, Stable: in.Stable}}
	p.start()
	switch p.st.Phase {
	case flotillav1alpha1.RolloutAborting, flotillav1alpha1.RolloutAborted:
		p.rollBack()
	case flotillav1alpha1.RolloutSucceeded:
		p.promoteAll()
	default:
		p.progress()
	}
	p.d.Status = p.st
	return p.d
}

// direct applies the target everywhere at once: no strategy, a first release (nothing stable
// to protect) or nothing to release (the target is the stable revision, e.g. after an undo).
// The stable revision follows once every cluster runs the target, available.
func direct(in Input) Decision {
	d := Decision{Targets: map[string]Target{}, Stable: in.Stable}
	settledAll, canariesLeft := true, false
	for _, c := range in.Clusters {
		t := Target{MainRevision: in.Target, MainReplicas: c.Replicas}
		if c.Canary.Exists && !mainSettled(c, in.Target) {
			t.Canary = c.Canary.Replicas // keep serving until the workload has taken over
		}
		d.Targets[c.Name] = t
		settledAll = settledAll && mainSettled(c, in.Target) && canaryGone(c)
		canariesLeft = canariesLeft || !canaryGone(c)
	}
	if settledAll {
		d.Stable = in.Target
	}
	// A rollout whose strategy was removed keeps its status while canaries are left: the status
	// is what tells the reconciler to look for them (and remove them).
	if in.Previous != nil && (in.Strategy != nil || canariesLeft) {
		st := in.Previous.DeepCopy()
		if st.Revision != in.Target || st.Phase != flotillav1alpha1.RolloutSucceeded {
			st = &flotillav1alpha1.RolloutStatus{Revision: in.Target, Phase: flotillav1alpha1.RolloutProgressing,
				StartedAt: metaTime(in.Now), Message: "releasing " + in.Target + " to every cluster at once: it is the stable revision"}
		}
		if settledAll && st.Phase != flotillav1alpha1.RolloutSucceeded {
			st.Phase, st.FinishedAt, st.Message = flotillav1alpha1.RolloutSucceeded, metaTime(in.Now), in.Target+" runs in every cluster"
		}
		st.Clusters = clusterRecords(in.Clusters, d.Targets, nil, nil)
		d.Status = st
	}
	return d
}

// pass is one planning pass of a progressive rollout.
type pass struct {
	in      Input
	d       Decision
	st      *flotillav1alpha1.RolloutStatus
	waves   []Wave
	waveOf  map[string]int32
	batches []int32Or
	// revisionOf is what each cluster's workload runs before it is promoted.
	revisionOf map[string]string
}

// start loads or creates the rollout state for the target revision and resolves waves and batches.
func (p *pass) start() {
	in := p.in
	p.waves = Assign(in.Strategy.Waves, in.Clusters)
	p.waveOf = map[string]int32{}
	for i, w := range p.waves {
		for _, name := range w.Clusters {
			p.waveOf[name] = int32(i)
		}
	}
	p.batches = Batches(in.Strategy.Batches)
	p.revisionOf = map[string]string{}
	for _, c := range in.Clusters {
		p.revisionOf[c.Name] = in.Stable
	}
	if in.Previous != nil {
		for _, rc := range in.Previous.Clusters {
			if rc.Revision != "" {
				p.revisionOf[rc.Name] = rc.Revision
			}
		}
	}
	if in.Previous == nil || in.Previous.Revision != in.Target {
		p.st = p.fresh()
		p.event(false, "RolloutStarted", "releasing %s over %d wave(s) of %d batch(es); stable is %s",
			in.Target, len(p.waves), len(p.batches), in.Stable)
	} else {
		p.st = in.Previous.DeepCopy()
		p.st.Waves, p.st.Batches = p.counts()
	}
	if in.Analysis != nil {
		p.st.Analysis = in.Analysis.DeepCopy()
	}
	aborted := p.st.Phase == flotillav1alpha1.RolloutAborting || p.st.Phase == flotillav1alpha1.RolloutAborted
	if aborted && p.st.AbortedAt != nil && in.Control.ResumedAt.After(p.st.AbortedAt.Time) && in.Control.Abort != in.Target {
		p.st = p.fresh()
		p.event(false, "RolloutRestarted", "releasing %s again from the first wave after a resume", in.Target)
		aborted = false
	}
	if !aborted && p.st.Phase != flotillav1alpha1.RolloutSucceeded {
		p.checkAbort()
	}
}

// counts are the numbers of waves and batches; both are bounded by the API (at most 21 each).
func (p *pass) counts() (int32, int32) {
	return int32(len(p.waves)), int32(len(p.batches)) //nolint:gosec // bounded by MaxItems in the CRD
}

func (p *pass) fresh() *flotillav1alpha1.RolloutStatus {
	st := &flotillav1alpha1.RolloutStatus{Revision: p.in.Target, Phase: flotillav1alpha1.RolloutProgressing, StartedAt: metaTime(p.in.Now)}
	st.Waves, st.Batches = p.counts()
	if p.in.Previous != nil && p.in.Previous.Revision == p.in.Target {
		// A restart after an abort: every cluster runs the stable revision again.
		for name := range p.revisionOf {
			p.revisionOf[name] = p.in.Stable
		}
	}
	return st
}

// checkAbort starts an abort asked for by a user or by a failed analysis.
func (p *pass) checkAbort() {
	in := p.in
	reason, msg := "", ""
	switch {
	case in.Control.Abort == in.Target:
		reason, msg = flotillav1alpha1.AbortUser, "aborted by a user"
	case in.Verdict.Phase == flotillav1alpha1.MeasurementFailed && onFailure(in.Strategy) == flotillav1alpha1.AnalysisAbort:
		reason, msg = flotillav1alpha1.AbortAnalysisFailed, "analysis failed: "+in.Verdict.Message
	default:
		return
	}
	p.st.Phase, p.st.Reason, p.st.AbortedAt, p.st.Gate, p.st.PausedAt = flotillav1alpha1.RolloutAborting, reason, metaTime(in.Now), "", nil
	p.st.Message = msg + "; rolling every cluster back to " + in.Stable
	p.event(true, "RolloutAborted", "%s: %s", in.Target, p.st.Message)
}

// rollBack sends every cluster back to the stable revision and removes every canary.
func (p *pass) rollBack() {
	in := p.in
	all := true
	for _, c := range in.Clusters {
		p.d.Targets[c.Name] = Target{MainRevision: in.Stable, MainReplicas: c.Replicas}
		p.revisionOf[c.Name] = in.Stable
		all = all && mainSettled(c, in.Stable) && canaryGone(c)
	}
	p.st.Clusters = clusterRecords(in.Clusters, p.d.Targets, p.revisionOf, p.waveOf)
	if all && p.st.Phase == flotillav1alpha1.RolloutAborting {
		p.st.Phase, p.st.FinishedAt = flotillav1alpha1.RolloutAborted, metaTime(in.Now)
		p.st.Message = strings.TrimSuffix(p.st.Message, "; rolling every cluster back to "+in.Stable) +
			"; every cluster runs " + in.Stable + " again, available"
		p.event(false, "RolledBack", "%s: every cluster runs the stable revision %s again, available", in.Target, in.Stable)
	}
}

// promoteAll runs the target everywhere (a rollout that succeeded, or a full promotion).
func (p *pass) promoteAll() bool {
	all := true
	for _, c := range p.in.Clusters {
		t := Target{MainRevision: p.in.Target, MainReplicas: c.Replicas}
		if !mainSettled(c, p.in.Target) {
			t.Canary = canaryNow(c)
			all = false
		}
		all = all && canaryGone(c)
		p.d.Targets[c.Name] = t
		p.revisionOf[c.Name] = p.in.Target
	}
	p.st.Clusters = clusterRecords(p.in.Clusters, p.d.Targets, p.revisionOf, p.waveOf)
	return all
}

// progress moves the rollout on as far as the clusters allow in this pass.
func (p *pass) progress() {
	in := p.in
	if in.Control.PromoteFull == in.Target {
		p.st.Phase, p.st.Reason, p.st.Gate, p.st.PausedAt = flotillav1alpha1.RolloutProgressing, "", "", nil
		p.st.Wave, p.st.Batch = p.counts()
		p.st.Wave, p.st.Batch = p.st.Wave-1, p.st.Batch-1
		if p.promoteAll() {
			p.succeed("promoted to every cluster at once")
		} else {
			p.st.Message = "promoting " + in.Target + " to every cluster at once"
		}
		return
	}
	p.pauses()
	for range len(p.waves)*len(p.batches) + 1 {
		ready, why := p.step()
		if p.st.Phase == flotillav1alpha1.RolloutPaused && !isStepPause(p.st.Reason) {
			p.st.Message = pauseMessage(p.st) + why
			return
		}
		if !ready {
			p.st.Phase, p.st.Reason, p.st.PausedAt = flotillav1alpha1.RolloutProgressing, "", nil
			p.st.Message = why
			return
		}
		if !p.gatesOpen() {
			return
		}
		if p.advance() {
			return
		}
	}
}

// pauses sets or lifts the pauses that hold the rollout wherever it is.
func (p *pass) pauses() {
	in := p.in
	resumed := func(since *metav1.Time) bool { return since != nil && in.Control.ResumedAt.After(since.Time) }
	reason, msg := "", ""
	switch {
	case in.Control.Paused:
		reason, msg = flotillav1alpha1.PauseUser, "paused by a user"
	case p.activeFreeze() != nil:
		f := p.activeFreeze()
		reason, msg = flotillav1alpha1.PauseFleetFreeze, fmt.Sprintf("fleet change freeze %s: %s", f.Name, f.Message)
	case (p.st.Reason == flotillav1alpha1.PauseAnalysisFailed || p.st.Reason == flotillav1alpha1.PauseAnalysisInconclusive) &&
		p.st.Phase == flotillav1alpha1.RolloutPaused && !resumed(p.st.PausedAt):
		reason, msg = p.st.Reason, p.st.Message
	case in.Verdict.Phase == flotillav1alpha1.MeasurementFailed:
		reason, msg = flotillav1alpha1.PauseAnalysisFailed, "analysis failed: "+in.Verdict.Message
	case in.Verdict.Phase == flotillav1alpha1.MeasurementInconclusive:
		reason, msg = flotillav1alpha1.PauseAnalysisInconclusive, "analysis inconclusive: "+in.Verdict.Message
	}
	if reason == "" {
		if p.st.Phase == flotillav1alpha1.RolloutPaused && !isStepPause(p.st.Reason) {
			p.event(false, "RolloutResumed", "%s resumed (was %s)", in.Target, p.st.Reason)
			p.st.Phase, p.st.Reason, p.st.PausedAt = flotillav1alpha1.RolloutProgressing, "", nil
			if a := p.st.Analysis; a != nil && resumed(a.MeasuredAt) {
				a.ConsecutiveFailures, a.ConsecutiveInconclusive, a.ConsecutiveErrors = 0, 0, 0
			}
		}
		return
	}
	if p.st.Phase != flotillav1alpha1.RolloutPaused || p.st.Reason != reason {
		p.st.PausedAt = metaTime(in.Now)
		p.event(reason != flotillav1alpha1.PauseUser, "RolloutPaused", "%s paused: %s", in.Target, msg)
	}
	p.st.Phase, p.st.Reason, p.st.Message = flotillav1alpha1.RolloutPaused, reason, msg
}

func (p *pass) activeFreeze() *Freeze {
	for i := range p.in.Freezes {
		f := &p.in.Freezes[i]
		if f.Frozen && !p.in.Control.ResumedAt.After(f.Since) {
			return f
		}
	}
	return nil
}

// step sets the targets of every cluster for the current wave and batch and says whether the
// step is ready in every cluster of the wave (and, if not, what it waits for).
func (p *pass) step() (bool, string) {
	in := p.in
	wave, batch := int(p.st.Wave), int(p.st.Batch)
	final := batch == len(p.batches)-1
	ready, waiting := true, []string{}
	for _, c := range in.Clusters {
		w := int(p.waveOf[c.Name])
		switch {
		case w < wave:
			p.d.Targets[c.Name] = Target{MainRevision: in.Target, MainReplicas: c.Replicas, Canary: keepCanary(c, in.Target)}
			p.revisionOf[c.Name] = in.Target
		case w > wave:
			p.d.Targets[c.Name] = Target{MainRevision: p.revisionOf[c.Name], MainReplicas: c.Replicas}
		case final:
			p.d.Targets[c.Name] = Target{MainRevision: in.Target, MainReplicas: c.Replicas, Canary: keepCanary(c, in.Target)}
			p.revisionOf[c.Name] = in.Target
			if !mainSettled(c, in.Target) || !canaryGone(c) {
				ready = false
				waiting = append(waiting, fmt.Sprintf("%s %d/%d updated and available", c.Name, min(c.Main.Updated, c.Main.Available), c.Replicas))
			}
		default:
			want := p.batches[batch].of(c.Replicas)
			if p.held() {
				want = min(want, canaryNow(c)) // held: nothing grows, not even a rollout that has not begun
			}
			made := min(canaryAvailable(c, in.Target), want)
			p.d.Targets[c.Name] = Target{MainRevision: p.revisionOf[c.Name], MainReplicas: c.Replicas - made, Canary: want}
			if want == 0 && p.batches[batch].of(c.Replicas) > 0 {
				ready = false
				waiting = append(waiting, c.Name+" canary not started")
			} else if made < want || !c.Main.Current || c.Main.Replicas != c.Replicas-want || c.Main.StatusReplicas > c.Replicas-want {
				ready = false
				waiting = append(waiting, fmt.Sprintf("%s canary %d/%d ready", c.Name, made, want))
			}
		}
	}
	p.st.Clusters = clusterRecords(in.Clusters, p.d.Targets, p.revisionOf, p.waveOf)
	p.st.WaveName = p.waves[wave].Name
	if !ready {
		return false, fmt.Sprintf("wave %s, batch %d/%d: waiting for %s", p.waves[wave].Name, batch+1, len(p.batches), strings.Join(waiting, ", "))
	}
	return true, fmt.Sprintf("wave %s, batch %d/%d ready", p.waves[wave].Name, batch+1, len(p.batches))
}

// held says whether a pause (a user's, a freeze's or the analysis') holds the whole rollout.
func (p *pass) held() bool {
	return p.st.Phase == flotillav1alpha1.RolloutPaused && !isStepPause(p.st.Reason)
}

// gatesOpen records when the ready step became ready and says whether its analysis, pause and
// gate let the rollout go on.
func (p *pass) gatesOpen() bool {
	in := p.in
	wave, batch := int(p.st.Wave), int(p.st.Batch)
	name := fmt.Sprintf("wave %s, batch %d/%d", p.waves[wave].Name, batch+1, len(p.batches))
	if p.st.StepReadyAt == nil {
		p.st.StepReadyAt = metaTime(in.Now)
		p.event(false, "StepReady", "%s: %s ready", in.Target, name)
	}
	readyAt := p.st.StepReadyAt.Time
	final := batch == len(p.batches)-1
	if in.Strategy.Analysis != nil && !final {
		a := p.st.Analysis
		if a == nil || a.SuccessfulAt == nil || a.SuccessfulAt.Time.Before(readyAt) {
			p.hold(flotillav1alpha1.RolloutProgressing, "", name+" ready; waiting for a successful analysis of it")
			return false
		}
	}
	var pause *flotillav1alpha1.RolloutPause
	if final {
		pause = p.waves[wave].Pause
	} else {
		pause = in.Strategy.Batches[batch].Pause
	}
	if pause == nil {
		return true
	}
	if pause.Duration != nil {
		left := readyAt.Add(pause.Duration.Duration).Sub(in.Now)
		if left > 0 {
			p.hold(flotillav1alpha1.RolloutPaused, flotillav1alpha1.PauseDuration, fmt.Sprintf("%s ready; pausing %s before going on", name, pause.Duration.Duration))
			p.requeue(left)
			return false
		}
		return true
	}
	gate := fmt.Sprintf("%s/wave-%d/batch-%d", in.Target, wave+1, batch+1)
	if in.Control.Promote == gate {
		return true
	}
	if p.st.Gate != gate {
		p.event(false, "RolloutGate", "%s: %s ready; waiting for `flotilla rollout promote`", in.Target, name)
	}
	p.st.Gate = gate
	p.hold(flotillav1alpha1.RolloutPaused, flotillav1alpha1.PauseGate, name+" ready; waiting at gate "+gate+" for `flotilla rollout promote`")
	return false
}

func (p *pass) hold(phase flotillav1alpha1.RolloutPhase, reason, msg string) {
	if p.st.Phase != phase || p.st.Reason != reason {
		if phase == flotillav1alpha1.RolloutPaused {
			p.st.PausedAt = metaTime(p.in.Now)
		} else {
			p.st.PausedAt = nil
		}
	}
	p.st.Phase, p.st.Reason, p.st.Message = phase, reason, msg
}

// advance moves to the next batch or wave; it says whether the rollout is over.
func (p *pass) advance() bool {
	in := p.in
	p.st.StepReadyAt, p.st.Gate, p.st.PausedAt = nil, "", nil
	p.st.Phase, p.st.Reason = flotillav1alpha1.RolloutProgressing, ""
	p.st.Batch++
	if int(p.st.Batch) < len(p.batches) {
		return false
	}
	p.event(false, "WavePromoted", "%s: wave %s promoted", in.Target, p.waves[p.st.Wave].Name)
	p.st.Batch = 0
	p.st.Wave++
	if int(p.st.Wave) < len(p.waves) {
		return false
	}
	p.st.Wave, p.st.Batch = p.counts()
	p.st.Wave, p.st.Batch = p.st.Wave-1, p.st.Batch-1
	p.succeed("released to every cluster")
	return true
}

func (p *pass) succeed(how string) {
	p.st.Phase, p.st.Reason, p.st.FinishedAt = flotillav1alpha1.RolloutSucceeded, "", metaTime(p.in.Now)
	p.st.Message = p.in.Target + " " + how
	p.st.Clusters = clusterRecords(p.in.Clusters, p.d.Targets, p.revisionOf, p.waveOf)
	p.d.Stable = p.in.Target
	p.event(false, "RolloutSucceeded", "%s %s", p.in.Target, how)
}

func (p *pass) requeue(d time.Duration) {
	if d > 0 && (p.d.Requeue == 0 || d < p.d.Requeue) {
		p.d.Requeue = d
	}
}

func (p *pass) event(warning bool, reason, format string, args ...any) {
	p.d.Events = append(p.d.Events, Event{Warning: warning, Reason: reason, Message: fmt.Sprintf(format, args...)})
}

// isStepPause says whether a pause reason belongs to the step (a pause duration or a gate) rather
// than holding the whole rollout.
func isStepPause(reason string) bool {
	return reason == flotillav1alpha1.PauseDuration || reason == flotillav1alpha1.PauseGate
}

func pauseMessage(st *flotillav1alpha1.RolloutStatus) string {
	return strings.TrimSuffix(st.Message, ".") + "; held at "
}

func onFailure(s *flotillav1alpha1.RolloutStrategy) flotillav1alpha1.AnalysisPolicy {
	if s.Analysis == nil || s.Analysis.OnFailure == "" {
		return flotillav1alpha1.AnalysisAbort
	}
	return s.Analysis.OnFailure
}

// mainSettled says whether the cluster's workload runs revision with all its replicas updated
// and available, and nothing else.
func mainSettled(c Cluster, revision string) bool {
	m := c.Main
	if c.Replicas == 0 {
		return !m.Exists || (m.Current && m.StatusReplicas == 0)
	}
	return m.Exists && m.Revision == revision && m.Current && m.Replicas == c.Replicas &&
		m.Updated >= c.Replicas && m.Available >= c.Replicas && m.StatusReplicas == c.Replicas
}

// canaryGone says whether the cluster has no canary pods left.
func canaryGone(c Cluster) bool {
	return !c.Canary.Exists || (c.Canary.Replicas == 0 && c.Canary.Current && c.Canary.StatusReplicas == 0)
}

// canaryAvailable is how many canary replicas of revision are available.
func canaryAvailable(c Cluster, revision string) int32 {
	if !c.Canary.Exists || c.Canary.Revision != revision || !c.Canary.Current {
		return 0
	}
	return min(c.Canary.Available, c.Canary.Updated)
}

// canaryNow is the canary's current size (to keep while the workload takes over).
func canaryNow(c Cluster) int32 {
	if !c.Canary.Exists {
		return 0
	}
	return c.Canary.Replicas
}

// keepCanary keeps a cluster's canary of revision until its workload has taken over.
func keepCanary(c Cluster, revision string) int32 {
	if mainSettled(c, revision) {
		return 0
	}
	return canaryNow(c)
}

// clusterRecords is the per-cluster part of the status.
func clusterRecords(clusters []Cluster, targets map[string]Target, revisionOf map[string]string, waveOf map[string]int32) []flotillav1alpha1.RolloutCluster {
	out := make([]flotillav1alpha1.RolloutCluster, 0, len(clusters))
	for _, c := range clusters {
		t := targets[c.Name]
		rc := flotillav1alpha1.RolloutCluster{Name: c.Name, Wave: waveOf[c.Name], Replicas: c.Replicas, Canary: t.Canary,
			Stable: t.MainReplicas, Revision: t.MainRevision}
		if revisionOf != nil {
			rc.Revision = revisionOf[c.Name]
		}
		if c.Canary.Exists {
			rc.CanaryReady = c.Canary.Ready
		}
		rc.Settled = rc.Revision == t.MainRevision && mainSettled(c, t.MainRevision) && canaryGone(c)
		out = append(out, rc)
	}
	return out
}

func metaTime(t time.Time) *metav1.Time {
	mt := metav1.NewTime(t)
	return &mt
}
