package rollout

import (
	"bytes"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

var testNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) *metav1.Time {
	t := metav1.NewTime(testNow.Add(-d))
	return &t
}

// web is an Application "web" in team-a releasing web-bbbbbbbbbb over web-aaaaaaaaaa, with two
// named waves and three batches, as the controller reports it.
func web(st *flotillav1alpha1.RolloutStatus) *flotillav1alpha1.Application {
	app := &flotillav1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "web", Generation: 4}}
	app.Spec.Rollout = &flotillav1alpha1.RolloutStrategy{Waves: []flotillav1alpha1.RolloutWave{{Name: "canary"}, {Name: "main"}}}
	app.Status = flotillav1alpha1.ApplicationStatus{ObservedGeneration: 4, CurrentRevision: "web-bbbbbbbbbb",
		StableRevision: "web-aaaaaaaaaa", Rollout: st}
	if st != nil {
		st.Revision = app.Status.CurrentRevision
	}
	return app
}

func atGate() *flotillav1alpha1.Application {
	return web(&flotillav1alpha1.RolloutStatus{
		Phase: flotillav1alpha1.RolloutPaused, Reason: flotillav1alpha1.PauseGate,
		Message: "wave canary, batch 2/3 ready; waiting at gate web-bbbbbbbbbb/wave-1/batch-2 for `flotilla rollout promote`",
		Wave:    0, Waves: 2, WaveName: "canary", Batch: 1, Batches: 3, Gate: "web-bbbbbbbbbb/wave-1/batch-2",
		PausedAt: ago(2 * time.Minute), StartedAt: ago(10 * time.Minute),
		Clusters: []flotillav1alpha1.RolloutCluster{
			{Name: "eu-1", Wave: 0, Revision: "web-aaaaaaaaaa", Replicas: 10, Canary: 3, CanaryReady: 3, Stable: 7},
			{Name: "us-1", Wave: 1, Revision: "web-aaaaaaaaaa", Replicas: 4, Stable: 4, Settled: true},
		},
		Analysis: &flotillav1alpha1.AnalysisStatus{Phase: flotillav1alpha1.MeasurementSuccessful, MeasuredAt: ago(5 * time.Second), Count: 12,
			Metrics: []flotillav1alpha1.MetricResult{
				{Name: "error-rate", Phase: flotillav1alpha1.MeasurementSuccessful, Value: "0.004", StableValue: "0.005", Message: "0.004 - 0.005 <= 0.01 over stable"},
				{Name: "pods", Phase: flotillav1alpha1.MeasurementSuccessful, Message: "3 canary pods ready, 0 restarts"},
			}},
	})
}

func aborted() *flotillav1alpha1.Application {
	return web(&flotillav1alpha1.RolloutStatus{
		Phase: flotillav1alpha1.RolloutAborted, Reason: flotillav1alpha1.AbortAnalysisFailed,
		Message: "analysis failed: error-rate: 0.31 > max 0.05; every cluster runs web-aaaaaaaaaa again, available",
		Wave:    0, Waves: 2, WaveName: "canary", Batch: 0, Batches: 3,
		StartedAt: ago(10 * time.Minute), AbortedAt: ago(3 * time.Minute), FinishedAt: ago(time.Minute),
		Clusters: []flotillav1alpha1.RolloutCluster{
			{Name: "eu-1", Wave: 0, Revision: "web-aaaaaaaaaa", Replicas: 10, Stable: 10, Settled: true},
			{Name: "us-1", Wave: 1, Revision: "web-aaaaaaaaaa", Replicas: 4, Stable: 4, Settled: true},
		},
		Analysis: &flotillav1alpha1.AnalysisStatus{Phase: flotillav1alpha1.MeasurementFailed, MeasuredAt: ago(3 * time.Minute), Count: 3,
			ConsecutiveFailures: 1, Metrics: []flotillav1alpha1.MetricResult{
				{Name: "error-rate", Phase: flotillav1alpha1.MeasurementFailed, Value: "0.31", Message: "0.31 > max 0.05"},
			}},
	})
}

func plain() *flotillav1alpha1.Application {
	app := web(nil)
	app.Spec.Rollout = nil
	app.Status.StableRevision = ""
	app.Status.Replicas, app.Status.ReadyReplicas, app.Status.UpdatedReplicas, app.Status.AvailableReplicas = 6, 4, 2, 4
	app.Status.Conditions = []metav1.Condition{
		{Type: flotillav1alpha1.ConditionProgressing, Status: metav1.ConditionTrue, Reason: flotillav1alpha1.ReasonRolloutInProgress,
			Message: "revision web-bbbbbbbbbb: waiting for eu-1 (2/6 replicas updated)"},
		{Type: flotillav1alpha1.ConditionAvailable, Status: metav1.ConditionFalse, Reason: flotillav1alpha1.ReasonReplicasNotReady, Message: "4/6 replicas ready"},
	}
	app.Status.Clusters = []flotillav1alpha1.ClusterStatus{
		{Name: "eu-1", Replicas: 3, ReadyReplicas: 1, UpdatedReplicas: 2, AvailableReplicas: 1, AppliedRevision: "web-bbbbbbbbbb", Reachable: metav1.ConditionTrue},
		{Name: "us-1", Replicas: 3, ReadyReplicas: 3, AvailableReplicas: 3, AppliedRevision: "web-aaaaaaaaaa", Reachable: metav1.ConditionTrue},
	}
	return app
}

func TestPrintStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		app  *flotillav1alpha1.Application
		want string
	}{
		{"waiting at a gate", atGate(), `Application:  team-a/web
Revision:     web-bbbbbbbbbb (stable: web-aaaaaaaaaa)
Phase:        Paused (ManualGate) for 2m
Message:      wave canary, batch 2/3 ready; waiting at gate web-bbbbbbbbbb/wave-1/batch-2 for ` + "`" + `flotilla rollout promote` + "`" + `
Wave:         canary (1/2)
Batch:        2/3
Gate:         web-bbbbbbbbbb/wave-1/batch-2
Started:      10m ago
Next:         ` + "`" + `flotilla rollout promote web -n team-a` + "`" + ` (--full: every cluster at once), or ` + "`" + `flotilla rollout abort web -n team-a` + "`" + `
Clusters:
  CLUSTER  WAVE      REVISION        REPLICAS  STABLE  CANARY  SETTLED
  eu-1     1 canary  web-aaaaaaaaaa  10        7       3/3     no
  us-1     2 main    web-aaaaaaaaaa  4         4       -       yes
Analysis:     Successful, 12 measurement(s), the latest 5s ago
  METRIC      PHASE       VALUE  STABLE  MESSAGE
  error-rate  Successful  0.004  0.005   0.004 - 0.005 <= 0.01 over stable
  pods        Successful  -      -       3 canary pods ready, 0 restarts
`},
		{"aborted by the analysis", aborted(), `Application:  team-a/web
Revision:     web-bbbbbbbbbb (stable: web-aaaaaaaaaa)
Phase:        Aborted (AnalysisFailed)
Message:      analysis failed: error-rate: 0.31 > max 0.05; every cluster runs web-aaaaaaaaaa again, available
Wave:         canary (1/2)
Batch:        1/3
Started:      10m ago, aborted 3m ago, finished 60s ago
Next:         fix the release and apply it again, or ` + "`" + `flotilla rollout resume web -n team-a` + "`" + ` to release web-bbbbbbbbbb again
Clusters:
  CLUSTER  WAVE      REVISION        REPLICAS  STABLE  CANARY  SETTLED
  eu-1     1 canary  web-aaaaaaaaaa  10        10      -       yes
  us-1     2 main    web-aaaaaaaaaa  4         4       -       yes
Analysis:     Failed, 3 measurement(s), the latest 3m ago; in a row: 1 failed, 0 inconclusive, 0 errors
  METRIC      PHASE   VALUE  STABLE  MESSAGE
  error-rate  Failed  0.31   -       0.31 > max 0.05
`},
		{"no spec.rollout", plain(), `Application:  team-a/web
Revision:     web-bbbbbbbbbb (stable: <none>)
Rollout:      none: without spec.rollout every revision goes to every cluster at once
Progressing:  True, RolloutInProgress: revision web-bbbbbbbbbb: waiting for eu-1 (2/6 replicas updated)
Available:    False, ReplicasNotReady: 4/6 replicas ready
Replicas:     6 desired, 4 ready, 2 updated, 4 available
Clusters:
  CLUSTER  REVISION        DESIRED  READY  UPDATED  AVAILABLE  REACHABLE
  eu-1     web-bbbbbbbbbb  3        1      2        1          True
  us-1     web-aaaaaaaaaa  3        3      0        3          True
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			PrintStatus(&out, tc.app, testNow)
			if out.String() != tc.want {
				t.Errorf("got\n%s\nwant\n%s", out.String(), tc.want)
			}
		})
	}
}

func TestJudgeAndLine(t *testing.T) {
	succeeded := web(&flotillav1alpha1.RolloutStatus{Phase: flotillav1alpha1.RolloutSucceeded, Message: "web-bbbbbbbbbb released to every cluster"})
	stale := succeeded.DeepCopy()
	stale.Generation = 5
	aborting := aborted()
	aborting.Status.Rollout.Phase = flotillav1alpha1.RolloutAborting
	aborting.Status.Rollout.Message = "analysis failed: error-rate: 0.31 > max 0.05; rolling every cluster back to web-aaaaaaaaaa"
	restarted := aborted()
	restarted.Annotations = map[string]string{flotillav1alpha1.AnnotationResumedAt: testNow.Format(time.RFC3339Nano)}
	abortedAgain := restarted.DeepCopy()
	abortedAgain.Annotations[flotillav1alpha1.AnnotationAbort] = "web-bbbbbbbbbb"
	progressing := web(&flotillav1alpha1.RolloutStatus{Phase: flotillav1alpha1.RolloutProgressing, Waves: 1, WaveName: "all", Batches: 2,
		Message: "waiting for a successful analysis", Analysis: &flotillav1alpha1.AnalysisStatus{Phase: flotillav1alpha1.MeasurementInconclusive}})
	otherRevision := atGate()
	otherRevision.Status.CurrentRevision = "web-cccccccccc"
	done := plain()
	done.Status.Conditions = []metav1.Condition{
		{Type: flotillav1alpha1.ConditionProgressing, Status: metav1.ConditionFalse, Reason: flotillav1alpha1.ReasonRolloutComplete,
			Message: "revision web-bbbbbbbbbb runs in every chosen cluster"},
		{Type: flotillav1alpha1.ConditionAvailable, Status: metav1.ConditionTrue, Reason: flotillav1alpha1.ReasonReplicasReady},
	}
	invalid := plain()
	invalid.Status.Conditions = []metav1.Condition{{Type: flotillav1alpha1.ConditionProgressing, Status: metav1.ConditionFalse,
		Reason: flotillav1alpha1.ReasonInvalidSpec, Message: "the spec cannot be rendered; nothing is being changed"}}
	unschedulable := done.DeepCopy()
	unschedulable.Status.Conditions = append(unschedulable.Status.Conditions, metav1.Condition{Type: flotillav1alpha1.ConditionScheduled,
		Status: metav1.ConditionFalse, Reason: flotillav1alpha1.ReasonNoClusterFits, Message: "no cluster tolerates the taint gpu"})
	unobserved := plain()
	unobserved.Status.Conditions = nil

	for _, tc := range []struct {
		name string
		app  *flotillav1alpha1.Application
		want Outcome
		line string
	}{
		{"gate", atGate(), Waiting, "Paused (ManualGate): wave canary, batch 2/3 ready; waiting at gate web-bbbbbbbbbb/wave-1/batch-2 for `flotilla rollout promote`; analysis Successful"},
		{"progressing", progressing, Waiting, "Progressing, wave all (1/1), batch 1/2: waiting for a successful analysis; analysis Inconclusive"},
		{"succeeded", succeeded, Done, "web-bbbbbbbbbb released to every cluster"},
		{"succeeded, but the spec changed since", stale, Waiting, "waiting for the controller to report on generation 5 of web"},
		{"aborting", aborting, Failing, "rollout of web-bbbbbbbbbb is aborting (AnalysisFailed: analysis failed: error-rate: 0.31 > max 0.05; rolling every cluster back to web-aaaaaaaaaa)"},
		{"aborted", aborted(), Failed, "rollout of web-bbbbbbbbbb was aborted (AnalysisFailed: analysis failed: error-rate: 0.31 > max 0.05; every cluster runs web-aaaaaaaaaa again, available)"},
		{"resumed after the abort", restarted, Waiting, "resumed after the abort: waiting for the controller to release web-bbbbbbbbbb again from the first wave"},
		{"resumed, but aborted again", abortedAgain, Failed, "rollout of web-bbbbbbbbbb was aborted (AnalysisFailed: analysis failed: error-rate: 0.31 > max 0.05; every cluster runs web-aaaaaaaaaa again, available)"},
		{"rollout of an older revision", otherRevision, Waiting, "waiting for the controller to report on generation 4 of web"},
		{"plain, in progress", plain(), Waiting, "Progressing=True (RolloutInProgress): revision web-bbbbbbbbbb: waiting for eu-1 (2/6 replicas updated); Available=False (ReplicasNotReady): 4/6 replicas ready"},
		{"plain, done", done, Done, "revision web-bbbbbbbbbb runs in every chosen cluster"},
		{"plain, placed nowhere", unschedulable, Waiting, "not placed (NoClusterFits): no cluster tolerates the taint gpu"},
		{"plain, invalid spec", invalid, Failed, "the spec cannot be released: the spec cannot be rendered; nothing is being changed (see `flotilla describe app web`)"},
		{"plain, not reported yet", unobserved, Waiting, "waiting for the controller to report on generation 4 of web"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, _ := Judge(tc.app); got != tc.want {
				t.Errorf("Judge = %d, want %d", got, tc.want)
			}
			if got := Line(tc.app); got != tc.line {
				t.Errorf("Line =\n%s\nwant\n%s", got, tc.line)
			}
		})
	}
}

func TestFrame(t *testing.T) {
	view := []string{"Application:  team-a/web", "Phase:        Progressing", "Clusters:", "  a", "  b", "  c"}
	for _, tc := range []struct {
		name          string
		status        string
		width, height int
		want          []string
	}{
		{"unbounded", "| watching", 0, 0, append(append([]string(nil), view...), "| watching")},
		{"no status line", "", 0, 0, view},
		{"cut to the width", "| watching web", 12, 0, []string{"Application", "Phase:     ", "Clusters:", "  a", "  b", "  c", "| watching "}},
		{"cut to the height", "| watching", 0, 5, []string{"Application:  team-a/web", "Phase:        Progressing",
			"... 4 more lines: enlarge the terminal, or use --watch=false", "| watching"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Frame(view, tc.status, tc.width, tc.height)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
