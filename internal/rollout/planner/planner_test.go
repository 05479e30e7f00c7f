package planner

import (
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

var t0 = time.Date(2026, 11, 24, 15, 17, 0, 0, time.UTC)

// world is a simulated fleet: every pass, each cluster runs what the planner asked for (a
// canary of a bad revision never becomes available).
type world struct {
	clusters []Cluster
	bad      map[string]bool // revisions whose pods never become available
}

func newWorld(stable string, replicas map[string]int32) *world {
	w := &world{bad: map[string]bool{}}
	for name, n := range replicas {
		w.clusters = append(w.clusters, Cluster{Name: name, Labels: map[string]string{"name": name}, Replicas: n,
			Main: settledWorkload(stable, n)})
	}
	return w
}

func settledWorkload(rev string, n int32) Workload {
	return Workload{Exists: true, Revision: rev, Replicas: n, Current: true, StatusReplicas: n, Updated: n, Ready: n, Available: n}
}

// apply makes every cluster run its target.
func (w *world) apply(targets map[string]Target) {
	for i := range w.clusters {
		c := &w.clusters[i]
		t, ok := targets[c.Name]
		if !ok {
			continue
		}
		c.Main = w.run(t.MainRevision, t.MainReplicas)
		if t.Canary == 0 {
			c.Canary = Workload{}
		} else {
			c.Canary = w.run("", t.Canary)
		}
	}
}

func (w *world) run(rev string, n int32) Workload {
	wl := settledWorkload(rev, n)
	if w.bad[rev] {
		wl.Ready, wl.Available = 0, 0
	}
	return wl
}

func (w *world) canaryRevision(target string) {
	for i := range w.clusters {
		if w.clusters[i].Canary.Exists {
			w.clusters[i].Canary.Revision = target
			if w.bad[target] {
				w.clusters[i].Canary.Ready, w.clusters[i].Canary.Available = 0, 0
			}
		}
	}
}

func strategy(batches ...any) *flotillav1alpha1.RolloutStrategy {
	s := &flotillav1alpha1.RolloutStrategy{Waves: []flotillav1alpha1.RolloutWave{{Name: "canary", ClusterNames: []string{"a"}}}}
	for _, b := range batches {
		switch v := b.(type) {
		case int:
			s.Batches = append(s.Batches, flotillav1alpha1.RolloutBatch{Replicas: intstr.FromInt32(int32(v))})
		case string:
			s.Batches = append(s.Batches, flotillav1alpha1.RolloutBatch{Replicas: intstr.FromString(v)})
		}
	}
	return s
}

// drive runs passes until the rollout stops changing; it returns the last decision and a log of
// phases, one line per pass.
func drive(t *testing.T, w *world, in Input, passes int) (Decision, []string) {
	t.Helper()
	var d Decision
	var log []string
	for i := 0; i < passes; i++ {
		in.Clusters = append([]Cluster(nil), w.clusters...)
		d = Plan(in)
		checkInvariants(t, in, d)
		w.apply(d.Targets)
		w.canaryRevision(in.Target)
		line := string(d.Status.Phase) + " " + d.Status.Reason + fmt.Sprintf(" wave=%d batch=%d", d.Status.Wave, d.Status.Batch)
		if len(log) == 0 || log[len(log)-1] != line {
			log = append(log, line)
		}
		in.Previous, in.Stable = d.Status, d.Stable
		in.Now = in.Now.Add(time.Second)
		if d.Status.Phase == flotillav1alpha1.RolloutSucceeded || d.Status.Phase == flotillav1alpha1.RolloutAborted {
			return d, log
		}
	}
	return d, log
}

// checkInvariants holds for every decision: no cluster is asked for more than its replicas in
// either Deployment, and the stable workload never shrinks by more than the canary has made
// available.
func checkInvariants(t *testing.T, in Input, d Decision) {
	t.Helper()
	for _, c := range in.Clusters {
		tg, ok := d.Targets[c.Name]
		if !ok {
			t.Fatalf("no target for cluster %s", c.Name)
		}
		if tg.MainReplicas < 0 || tg.MainReplicas > c.Replicas || tg.Canary < 0 || tg.Canary > c.Replicas {
			t.Fatalf("cluster %s (%d replicas): target %+v out of bounds", c.Name, c.Replicas, tg)
		}
		if tg.MainRevision == c.Main.Revision && tg.MainReplicas < c.Replicas && c.Replicas-tg.MainReplicas > canaryAvailable(c, in.Target) {
			t.Fatalf("cluster %s: stable shrinks to %d before the canary made %d available", c.Name, tg.MainReplicas, c.Replicas-tg.MainReplicas)
		}
	}
}

func TestGoodRolloutGoesThroughWavesAndBatches(t *testing.T) {
	w := newWorld("r1", map[string]int32{"a": 10, "b": 4, "c": 4})
	in := Input{Strategy: strategy(1, 3, "100%"), Target: "r2", Stable: "r1", Now: t0}
	d, log := drive(t, w, in, 60)
	if d.Status.Phase != flotillav1alpha1.RolloutSucceeded || d.Stable != "r2" {
		t.Fatalf("rollout ended %s with stable %s; log:\n%s", d.Status.Phase, d.Stable, strings.Join(log, "\n"))
	}
	for _, c := range w.clusters {
		if c.Main.Revision != "r2" || c.Main.Replicas != c.Replicas || c.Canary.Exists {
			t.Errorf("cluster %s ends with main %+v canary %+v", c.Name, c.Main, c.Canary)
		}
	}
	want := []string{"Progressing  wave=0 batch=0", "Progressing  wave=0 batch=1", "Progressing  wave=0 batch=2",
		"Progressing  wave=1 batch=0", "Progressing  wave=1 batch=1", "Progressing  wave=1 batch=2", "Succeeded  wave=1 batch=2"}
	if strings.Join(log, "\n") != strings.Join(want, "\n") {
		t.Errorf("log:\n%s\nwant:\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
}

func TestLaterWavesAreUntouchedUntilEarlierWavesArePromoted(t *testing.T) {
	w := newWorld("r1", map[string]int32{"a": 10, "b": 4})
	in := Input{Strategy: strategy("10%", "50%"), Target: "r2", Stable: "r1", Now: t0, Clusters: w.clusters}
	for i := 0; i < 8; i++ {
		in.Clusters = append([]Cluster(nil), w.clusters...)
		d := Plan(in)
		if d.Status.Wave == 0 {
			if b := d.Targets["b"]; b.MainRevision != "r1" || b.MainReplicas != 4 || b.Canary != 0 {
				t.Fatalf("pass %d: cluster b of wave 2 was touched during wave 1: %+v", i, b)
			}
		}
		w.apply(d.Targets)
		w.canaryRevision("r2")
		in.Previous = d.Status
	}
}

func TestBatchesSizeTheCanaryAndShrinkStableMakeBeforeBreak(t *testing.T) {
	c := Cluster{Name: "a", Replicas: 10, Main: settledWorkload("r1", 10)}
	in := Input{Strategy: strategy(1, 3, 10), Target: "r2", Stable: "r1", Now: t0, Clusters: []Cluster{c}}
	d := Plan(in)
	if got := d.Targets["a"]; got != (Target{MainRevision: "r1", MainReplicas: 10, Canary: 1}) {
		t.Fatalf("first pass: %+v, want the canary created with stable untouched", got)
	}
	c.Canary = Workload{Exists: true, Revision: "r2", Replicas: 1, Current: true, StatusReplicas: 1, Updated: 1, Ready: 1, Available: 1}
	in.Clusters, in.Previous = []Cluster{c}, d.Status
	if got := Plan(in).Targets["a"]; got != (Target{MainRevision: "r1", MainReplicas: 9, Canary: 1}) {
		t.Fatalf("canary available: %+v, want stable shrunk by one", got)
	}
}

func TestFailedAnalysisAbortsAndRollsEveryClusterBack(t *testing.T) {
	w := newWorld("r1", map[string]int32{"a": 4, "b": 4})
	in := Input{Strategy: strategy("50%"), Target: "r2", Stable: "r1", Now: t0}
	in.Strategy.Waves = nil // one wave: both clusters get a canary
	in.Clusters = w.clusters
	d := Plan(in)
	w.apply(d.Targets)
	w.canaryRevision("r2")
	in.Previous, in.Clusters = d.Status, append([]Cluster(nil), w.clusters...)
	in.Verdict = Verdict{Phase: flotillav1alpha1.MeasurementFailed, Message: "error-ratio: 0.3 > max 0.05"}
	d = Plan(in)
	if d.Status.Phase != flotillav1alpha1.RolloutAborting || d.Status.Reason != flotillav1alpha1.AbortAnalysisFailed {
		t.Fatalf("phase %s reason %s, want Aborting AnalysisFailed", d.Status.Phase, d.Status.Reason)
	}
	if !strings.Contains(d.Status.Message, "0.3 > max 0.05") {
		t.Errorf("message %q does not carry the measured value", d.Status.Message)
	}
	for name, tg := range d.Targets {
		if tg != (Target{MainRevision: "r1", MainReplicas: 4}) {
			t.Errorf("cluster %s target %+v, want stable at full size and no canary", name, tg)
		}
	}
	w.apply(d.Targets)
	in.Previous, in.Clusters, in.Verdict = d.Status, append([]Cluster(nil), w.clusters...), Verdict{}
	d = Plan(in)
	if d.Status.Phase != flotillav1alpha1.RolloutAborted || d.Stable != "r1" {
		t.Fatalf("phase %s stable %s, want Aborted with r1 stable", d.Status.Phase, d.Stable)
	}
	// A verdict after the abort changes nothing; a resume restarts the rollout.
	in.Previous, in.Now = d.Status, t0.Add(time.Minute)
	in.Control.ResumedAt = t0.Add(30 * time.Second)
	d = Plan(in)
	if d.Status.Phase != flotillav1alpha1.RolloutProgressing || d.Status.Wave != 0 || d.Status.Batch != 0 {
		t.Fatalf("after resume: %s wave %d batch %d, want a fresh rollout", d.Status.Phase, d.Status.Wave, d.Status.Batch)
	}
}

func TestAbortByUserWhileABadCanaryNeverBecomesReady(t *testing.T) {
	w := newWorld("r1", map[string]int32{"a": 3, "b": 3})
	w.bad["r2"] = true
	in := Input{Strategy: strategy(1, "100%"), Target: "r2", Stable: "r1", Now: t0}
	d, _ := drive(t, w, in, 5)
	if d.Status.Phase != flotillav1alpha1.RolloutProgressing || !strings.Contains(d.Status.Message, "canary 0/1 ready") {
		t.Fatalf("bad canary: phase %s message %q, want waiting for it", d.Status.Phase, d.Status.Message)
	}
	in.Previous, in.Control.Abort = d.Status, "r2"
	d, _ = drive(t, w, in, 5)
	if d.Status.Phase != flotillav1alpha1.RolloutAborted || d.Status.Reason != flotillav1alpha1.AbortUser {
		t.Fatalf("phase %s reason %s, want Aborted UserAborted", d.Status.Phase, d.Status.Reason)
	}
}

func TestPauses(t *testing.T) {
	gate := &flotillav1alpha1.RolloutPause{}
	wait := &flotillav1alpha1.RolloutPause{Duration: &metav1.Duration{Duration: 30 * time.Second}}
	cases := []struct {
		name       string
		pause      *flotillav1alpha1.RolloutPause
		control    Control
		freezes    []Freeze
		verdict    Verdict
		wantPhase  flotillav1alpha1.RolloutPhase
		wantReason string
		wantBatch  int32
	}{
		{name: "no pause goes on", wantPhase: flotillav1alpha1.RolloutProgressing, wantBatch: 1},
		{name: "manual gate holds", pause: gate, wantPhase: flotillav1alpha1.RolloutPaused, wantReason: flotillav1alpha1.PauseGate},
		{name: "promoted gate goes on", pause: gate, control: Control{Promote: "r2/wave-1/batch-1"},
			wantPhase: flotillav1alpha1.RolloutProgressing, wantBatch: 1},
		{name: "promote of another revision does not", pause: gate, control: Control{Promote: "r1/wave-1/batch-1"},
			wantPhase: flotillav1alpha1.RolloutPaused, wantReason: flotillav1alpha1.PauseGate},
		{name: "duration holds", pause: wait, wantPhase: flotillav1alpha1.RolloutPaused, wantReason: flotillav1alpha1.PauseDuration},
		{name: "user pause holds", control: Control{Paused: true}, wantPhase: flotillav1alpha1.RolloutPaused, wantReason: flotillav1alpha1.PauseUser},
		{name: "freeze holds", freezes: []Freeze{{Name: "fleet", Frozen: true, Since: t0}},
			wantPhase: flotillav1alpha1.RolloutPaused, wantReason: flotillav1alpha1.PauseFleetFreeze},
		{name: "resume after the freeze began overrides it", freezes: []Freeze{{Name: "fleet", Frozen: true, Since: t0}},
			control: Control{ResumedAt: t0.Add(time.Second)}, wantPhase: flotillav1alpha1.RolloutProgressing, wantBatch: 1},
		{name: "lifted freeze does not hold", freezes: []Freeze{{Name: "fleet", Since: t0}},
			wantPhase: flotillav1alpha1.RolloutProgressing, wantBatch: 1},
		{name: "inconclusive analysis pauses", verdict: Verdict{Phase: flotillav1alpha1.MeasurementInconclusive, Message: "no data"},
			wantPhase: flotillav1alpha1.RolloutPaused, wantReason: flotillav1alpha1.PauseAnalysisInconclusive},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := strategy(1, "100%")
			s.Waves = nil
			s.Batches[0].Pause = tc.pause
			c := Cluster{Name: "a", Replicas: 4, Main: settledWorkload("r1", 3),
				Canary: Workload{Exists: true, Revision: "r2", Replicas: 1, Current: true, StatusReplicas: 1, Updated: 1, Ready: 1, Available: 1}}
			prev := &flotillav1alpha1.RolloutStatus{Revision: "r2", Phase: flotillav1alpha1.RolloutProgressing, StartedAt: metaTime(t0)}
			d := Plan(Input{Strategy: s, Target: "r2", Stable: "r1", Previous: prev, Clusters: []Cluster{c}, Control: tc.control,
				Freezes: tc.freezes, Verdict: tc.verdict, Now: t0.Add(2 * time.Second)})
			if d.Status.Phase != tc.wantPhase || d.Status.Reason != tc.wantReason || d.Status.Batch != tc.wantBatch {
				t.Fatalf("got %s/%s batch %d (%s), want %s/%s batch %d", d.Status.Phase, d.Status.Reason, d.Status.Batch,
					d.Status.Message, tc.wantPhase, tc.wantReason, tc.wantBatch)
			}
		})
	}
}

func TestPauseDurationElapses(t *testing.T) {
	s := strategy(1, "100%")
	s.Waves = nil
	s.Batches[0].Pause = &flotillav1alpha1.RolloutPause{Duration: &metav1.Duration{Duration: 30 * time.Second}}
	c := Cluster{Name: "a", Replicas: 4, Main: settledWorkload("r1", 3),
		Canary: Workload{Exists: true, Revision: "r2", Replicas: 1, Current: true, StatusReplicas: 1, Updated: 1, Ready: 1, Available: 1}}
	in := Input{Strategy: s, Target: "r2", Stable: "r1", Clusters: []Cluster{c}, Now: t0,
		Previous: &flotillav1alpha1.RolloutStatus{Revision: "r2", Phase: flotillav1alpha1.RolloutProgressing}}
	d := Plan(in)
	if d.Requeue != 30*time.Second {
		t.Fatalf("requeue %s, want 30s", d.Requeue)
	}
	in.Previous, in.Now = d.Status, t0.Add(31*time.Second)
	if d = Plan(in); d.Status.Batch != 1 {
		t.Fatalf("after the pause: batch %d (%s), want 1", d.Status.Batch, d.Status.Message)
	}
}

func TestAnalysisMustSucceedAfterEachBatchIsReady(t *testing.T) {
	s := strategy(1, "100%")
	s.Waves = nil
	s.Analysis = &flotillav1alpha1.RolloutAnalysis{Metrics: []flotillav1alpha1.AnalysisMetric{{Name: "health"}}}
	c := Cluster{Name: "a", Replicas: 4, Main: settledWorkload("r1", 3),
		Canary: Workload{Exists: true, Revision: "r2", Replicas: 1, Current: true, StatusReplicas: 1, Updated: 1, Ready: 1, Available: 1}}
	in := Input{Strategy: s, Target: "r2", Stable: "r1", Clusters: []Cluster{c}, Now: t0,
		Previous: &flotillav1alpha1.RolloutStatus{Revision: "r2", Phase: flotillav1alpha1.RolloutProgressing},
		Analysis: &flotillav1alpha1.AnalysisStatus{SuccessfulAt: metaTime(t0.Add(-time.Second))}}
	d := Plan(in)
	if d.Status.Batch != 0 || !strings.Contains(d.Status.Message, "waiting for a successful analysis") {
		t.Fatalf("batch %d (%s), want held for an analysis after the batch was ready", d.Status.Batch, d.Status.Message)
	}
	in.Previous, in.Now = d.Status, t0.Add(5*time.Second)
	in.Analysis = &flotillav1alpha1.AnalysisStatus{SuccessfulAt: metaTime(t0.Add(5 * time.Second))}
	if d = Plan(in); d.Status.Batch != 1 {
		t.Fatalf("after a successful measurement: batch %d (%s), want 1", d.Status.Batch, d.Status.Message)
	}
}

func TestWithoutStrategyEverythingGoesAtOnce(t *testing.T) {
	c := Cluster{Name: "a", Replicas: 3, Main: settledWorkload("r1", 3)}
	d := Plan(Input{Target: "r2", Stable: "r1", Clusters: []Cluster{c}, Now: t0})
	if d.Targets["a"] != (Target{MainRevision: "r2", MainReplicas: 3}) || d.Status != nil || d.Stable != "r1" {
		t.Fatalf("got %+v status %v stable %s", d.Targets["a"], d.Status, d.Stable)
	}
	c.Main = settledWorkload("r2", 3)
	if d = Plan(Input{Target: "r2", Stable: "r1", Clusters: []Cluster{c}, Now: t0}); d.Stable != "r2" {
		t.Fatalf("stable %s once settled, want r2", d.Stable)
	}
}

func TestPromoteFullReleasesEverywhere(t *testing.T) {
	w := newWorld("r1", map[string]int32{"a": 4, "b": 4})
	s := strategy(1, "100%")
	s.Batches[0].Pause = &flotillav1alpha1.RolloutPause{}
	in := Input{Strategy: s, Target: "r2", Stable: "r1", Now: t0, Control: Control{PromoteFull: "r2"}}
	d, log := drive(t, w, in, 10)
	if d.Status.Phase != flotillav1alpha1.RolloutSucceeded || d.Stable != "r2" {
		t.Fatalf("ended %s stable %s; log %v", d.Status.Phase, d.Stable, log)
	}
}

func TestAssign(t *testing.T) {
	clusters := []Cluster{{Name: "a", Labels: map[string]string{"tier": "canary"}}, {Name: "b"}, {Name: "c", Labels: map[string]string{"tier": "canary"}}}
	cases := []struct {
		name string
		spec []flotillav1alpha1.RolloutWave
		want string
	}{
		{name: "no waves", want: "all[a b c]"},
		{name: "names then rest", spec: []flotillav1alpha1.RolloutWave{{ClusterNames: []string{"b"}}}, want: "wave-1[b] rest[a c]"},
		{name: "selector", spec: []flotillav1alpha1.RolloutWave{{Name: "canary", ClusterSelector: &metav1.LabelSelector{
			MatchLabels: map[string]string{"tier": "canary"}}}, {Name: "others"}}, want: "canary[a c] others[b]"},
		{name: "first wave wins and empty waves stay", spec: []flotillav1alpha1.RolloutWave{{ClusterNames: []string{"a"}},
			{ClusterNames: []string{"a", "z"}}}, want: "wave-1[a] wave-2[] rest[b c]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var parts []string
			for _, w := range Assign(tc.spec, clusters) {
				parts = append(parts, fmt.Sprintf("%s%v", w.Name, w.Clusters))
			}
			if got := strings.Join(parts, " "); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestBatchSizes(t *testing.T) {
	cases := []struct {
		batches []any
		n       int32
		want    []int32
	}{
		{batches: nil, n: 10, want: []int32{10}},
		{batches: []any{1, 3, 10}, n: 10, want: []int32{1, 3, 10}},
		{batches: []any{"10%", "30%", "100%"}, n: 10, want: []int32{1, 3, 10}},
		{batches: []any{"10%", "50%"}, n: 3, want: []int32{1, 2, 3}},
		{batches: []any{5}, n: 2, want: []int32{2}},
		{batches: []any{"1%"}, n: 0, want: []int32{0, 0}},
	}
	for _, tc := range cases {
		var got []int32
		for _, b := range Batches(strategy(tc.batches...).Batches) {
			got = append(got, b.of(tc.n))
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("batches %v of %d: got %v, want %v", tc.batches, tc.n, got, tc.want)
		}
	}
}

func TestParseBatchNamesTheProblem(t *testing.T) {
	for _, v := range []intstr.IntOrString{intstr.FromInt32(0), intstr.FromString("0%"), intstr.FromString("101%"), intstr.FromString("ten")} {
		if _, err := ParseBatch(v); err == nil || !strings.Contains(err.Error(), "percentage") {
			t.Errorf("%v: error %v, want one that explains the forms", v.String(), err)
		}
	}
}

func TestAFreezeKeepsANewRolloutFromStarting(t *testing.T) {
	c := Cluster{Name: "a", Replicas: 4, Main: settledWorkload("r1", 4)}
	d := Plan(Input{Strategy: strategy(1, "100%"), Target: "r2", Stable: "r1", Clusters: []Cluster{c}, Now: t0,
		Freezes: []Freeze{{Name: "fleet", Frozen: true, Since: t0.Add(-time.Minute), Message: "50% of new pods ready"}}})
	if d.Targets["a"] != (Target{MainRevision: "r1", MainReplicas: 4}) || d.Status.Reason != flotillav1alpha1.PauseFleetFreeze {
		t.Fatalf("target %+v reason %s, want nothing started while frozen", d.Targets["a"], d.Status.Reason)
	}
	if !strings.Contains(d.Status.Message, "fleet change freeze fleet: 50% of new pods ready") {
		t.Errorf("message %q does not say why", d.Status.Message)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	s := &flotillav1alpha1.RolloutStrategy{
		Batches:  []flotillav1alpha1.RolloutBatch{{Replicas: intstr.FromString("150%")}},
		Waves:    []flotillav1alpha1.RolloutWave{{ClusterSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Near"}}}}},
		Analysis: &flotillav1alpha1.RolloutAnalysis{Interval: &metav1.Duration{Duration: time.Millisecond}},
	}
	errs := Validate(s, "StatefulSet", field.NewPath("spec", "rollout"))
	want := []string{"spec.rollout: Invalid value: \"StatefulSet\"", "spec.rollout.batches[0].replicas", "spec.rollout.waves[0].clusterSelector", "spec.rollout.analysis.interval"}
	if len(errs) != len(want) {
		t.Fatalf("got %v, want %d errors", errs, len(want))
	}
	for i, w := range want {
		if !strings.Contains(errs[i].Error(), w) {
			t.Errorf("error %d = %q, want it to name %s", i, errs[i].Error(), w)
		}
	}
	if errs := Validate(strategy(1, "100%"), "Deployment", field.NewPath("spec", "rollout")); len(errs) != 0 {
		t.Fatalf("valid strategy: %v", errs)
	}
}

func TestARemovedStrategyKeepsItsStatusUntilTheCanariesAreGone(t *testing.T) {
	c := Cluster{Name: "a", Replicas: 4, Main: settledWorkload("r1", 3),
		Canary: Workload{Exists: true, Revision: "r2", Replicas: 1, Current: true, StatusReplicas: 1, Updated: 1, Ready: 1, Available: 1}}
	prev := &flotillav1alpha1.RolloutStatus{Revision: "r2", Phase: flotillav1alpha1.RolloutProgressing}
	d := Plan(Input{Target: "r2", Stable: "r1", Previous: prev, Clusters: []Cluster{c}, Now: t0})
	if d.Status == nil {
		t.Fatal("status dropped while a canary is left: nothing would look for it again")
	}
	c.Main, c.Canary = settledWorkload("r2", 4), Workload{}
	if d = Plan(Input{Target: "r2", Stable: "r1", Previous: d.Status, Clusters: []Cluster{c}, Now: t0}); d.Status != nil || d.Stable != "r2" {
		t.Fatalf("canary gone: status %+v stable %s, want no status and r2 stable", d.Status, d.Stable)
	}
}
