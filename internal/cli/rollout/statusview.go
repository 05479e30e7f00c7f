package rollout

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// Outcome is where the release of an Application's current revision stands.
type Outcome int

// Outcomes, from the status alone.
const (
	// Waiting: the release goes on, is paused, or the controller has not caught up yet.
	Waiting Outcome = iota
	// Done: the current revision runs, available, in every cluster.
	Done
	// Failing: the rollout was aborted and every cluster is going back to the stable revision.
	Failing
	// Failed: the rollout was aborted and rolled back, or the spec cannot be released.
	Failed
)

// Judge says where the release of app's current revision stands and sums it up in one sentence.
// Done and Failed are only concluded from a status of the current generation, and an aborted
// rollout that a later resume restarts counts as Waiting.
func Judge(app *flotillav1alpha1.Application) (Outcome, string) {
	if st := tracked(app); st != nil {
		return judgeRollout(app, st)
	}
	st := &app.Status
	progressing := meta.FindStatusCondition(st.Conditions, flotillav1alpha1.ConditionProgressing)
	available := meta.FindStatusCondition(st.Conditions, flotillav1alpha1.ConditionAvailable)
	scheduled := meta.FindStatusCondition(st.Conditions, flotillav1alpha1.ConditionScheduled)
	switch {
	case !observed(app) || progressing == nil:
		return Waiting, waitingForController(app)
	case scheduled != nil && scheduled.Status == metav1.ConditionFalse:
		return Waiting, fmt.Sprintf("not placed (%s): %s", scheduled.Reason, scheduled.Message)
	case progressing.Status == metav1.ConditionFalse && progressing.Reason == flotillav1alpha1.ReasonInvalidSpec:
		return Failed, "the spec cannot be released: " + progressing.Message + " (see `flotilla describe app " + app.Name + "`)"
	case progressing.Status == metav1.ConditionFalse && available != nil && available.Status == metav1.ConditionTrue:
		return Done, progressing.Message
	}
	return Waiting, plainLine(progressing, available)
}

func judgeRollout(app *flotillav1alpha1.Application, st *flotillav1alpha1.RolloutStatus) (Outcome, string) {
	why := st.Message
	if st.Reason != "" {
		why = st.Reason + ": " + st.Message
	}
	switch {
	case restartPending(app, st):
		return Waiting, "resumed after the abort: waiting for the controller to release " + st.Revision + " again from the first wave"
	case st.Phase == flotillav1alpha1.RolloutAborting:
		return Failing, "rollout of " + st.Revision + " is aborting (" + why + ")"
	case (st.Phase == flotillav1alpha1.RolloutAborted || st.Phase == flotillav1alpha1.RolloutSucceeded) && !observed(app):
		return Waiting, waitingForController(app)
	case st.Phase == flotillav1alpha1.RolloutAborted:
		return Failed, "rollout of " + st.Revision + " was aborted (" + why + ")"
	case st.Phase == flotillav1alpha1.RolloutSucceeded:
		return Done, st.Message
	}
	return Waiting, rolloutLine(st)
}

// tracked is the rollout of the current revision, or nil when status holds none.
func tracked(app *flotillav1alpha1.Application) *flotillav1alpha1.RolloutStatus {
	st := app.Status.Rollout
	if st == nil || st.Revision == "" || st.Revision != app.Status.CurrentRevision {
		return nil
	}
	return st
}

// observed says whether status reports on the current spec.
func observed(app *flotillav1alpha1.Application) bool {
	return app.Status.ObservedGeneration >= app.Generation && app.Status.CurrentRevision != ""
}

func waitingForController(app *flotillav1alpha1.Application) string {
	return fmt.Sprintf("waiting for the controller to report on generation %d of %s", app.Generation, app.Name)
}

// restartPending mirrors the planner: a resume after an abort, with the abort annotation gone,
// releases the revision again.
func restartPending(app *flotillav1alpha1.Application, st *flotillav1alpha1.RolloutStatus) bool {
	if st.Phase != flotillav1alpha1.RolloutAborted && st.Phase != flotillav1alpha1.RolloutAborting {
		return false
	}
	resumed, err := time.Parse(time.RFC3339, app.Annotations[flotillav1alpha1.AnnotationResumedAt])
	return err == nil && st.AbortedAt != nil && resumed.After(st.AbortedAt.Time) &&
		app.Annotations[flotillav1alpha1.AnnotationAbort] != st.Revision
}

// Line is the one-line summary `rollout status` prints whenever it changes when its output is
// not a terminal.
func Line(app *flotillav1alpha1.Application) string {
	outcome, summary := Judge(app)
	st := tracked(app)
	if st == nil || outcome != Waiting || restartPending(app, st) {
		return summary
	}
	if a := st.Analysis; a != nil && a.Phase != "" {
		summary += "; analysis " + string(a.Phase)
	}
	return summary
}

func rolloutLine(st *flotillav1alpha1.RolloutStatus) string {
	if strings.HasPrefix(st.Message, "wave ") { // the planner's messages of a step name it already
		return phaseText(st) + ": " + st.Message
	}
	return fmt.Sprintf("%s, wave %s, batch %d/%d: %s", phaseText(st), waveText(st), st.Batch+1, st.Batches, orNone(st.Message))
}

func plainLine(progressing, available *metav1.Condition) string {
	parts := []string{}
	for _, c := range []*metav1.Condition{progressing, available} {
		if c != nil {
			parts = append(parts, fmt.Sprintf("%s=%s (%s): %s", c.Type, c.Status, c.Reason, c.Message))
		}
	}
	return strings.Join(parts, "; ")
}

// PrintStatus writes the status view of app at now: the rollout of its current revision
// (waves, batches, clusters, analysis) or, without one, the plain progress from its conditions.
func PrintStatus(w io.Writer, app *flotillav1alpha1.Application, now time.Time) {
	kv := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(kv, "Application:\t%s/%s\n", app.Namespace, app.Name)
	fmt.Fprintf(kv, "Revision:\t%s (stable: %s)\n", orNone(app.Status.CurrentRevision), orNone(app.Status.StableRevision))
	if !observed(app) {
		fmt.Fprintf(kv, "Note:\tstatus reports generation %d, the spec is at %d: the controller has not caught up yet\n",
			app.Status.ObservedGeneration, app.Generation)
	}
	if st := tracked(app); st != nil {
		printRollout(w, kv, app, st, now)
		return
	}
	printPlain(w, kv, app)
}

func printRollout(w io.Writer, kv *tabwriter.Writer, app *flotillav1alpha1.Application, st *flotillav1alpha1.RolloutStatus, now time.Time) {
	phase := phaseText(st)
	if st.Phase == flotillav1alpha1.RolloutPaused && st.PausedAt != nil {
		phase += " for " + age(st.PausedAt.Time, now)
	}
	fmt.Fprintf(kv, "Phase:\t%s\n", phase)
	fmt.Fprintf(kv, "Message:\t%s\n", orNone(st.Message))
	fmt.Fprintf(kv, "Wave:\t%s\n", waveText(st))
	fmt.Fprintf(kv, "Batch:\t%d/%d\n", st.Batch+1, st.Batches)
	if st.Gate != "" {
		fmt.Fprintf(kv, "Gate:\t%s\n", st.Gate)
	}
	fmt.Fprintf(kv, "Started:\t%s\n", timeline(st, now))
	if next := nextStep(app, st); next != "" {
		fmt.Fprintf(kv, "Next:\t%s\n", next)
	}
	_ = kv.Flush()
	printRolloutClusters(w, app, st)
	printAnalysis(w, st.Analysis, now)
}

func printRolloutClusters(w io.Writer, app *flotillav1alpha1.Application, st *flotillav1alpha1.RolloutStatus) {
	rows := make([]string, 0, len(st.Clusters))
	for _, c := range st.Clusters {
		canary := "-"
		if c.Canary > 0 || c.CanaryReady > 0 {
			canary = fmt.Sprintf("%d/%d", c.CanaryReady, c.Canary)
		}
		rows = append(rows, fmt.Sprintf("%s\t%d %s\t%s\t%d\t%d\t%s\t%s", c.Name, c.Wave+1, waveName(app, st, c.Wave),
			orNone(c.Revision), c.Replicas, c.Stable, canary, yesNo(c.Settled)))
	}
	section(w, "Clusters:", "CLUSTER\tWAVE\tREVISION\tREPLICAS\tSTABLE\tCANARY\tSETTLED", rows)
}

// section writes a title (none when empty) and an indented table under it, or "<none>".
func section(w io.Writer, title, header string, rows []string) {
	if len(rows) == 0 {
		fmt.Fprintf(w, "%-14s<none>\n", title)
		return
	}
	if title != "" {
		fmt.Fprintln(w, title)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  "+header)
	for _, r := range rows {
		fmt.Fprintln(tw, "  "+r)
	}
	_ = tw.Flush()
}

func printAnalysis(w io.Writer, a *flotillav1alpha1.AnalysisStatus, now time.Time) {
	if a == nil || (a.Count == 0 && len(a.Metrics) == 0) {
		return
	}
	line := fmt.Sprintf("Analysis:     %s, %d measurement(s)", orNone(string(a.Phase)), a.Count)
	if a.MeasuredAt != nil {
		line += ", the latest " + age(a.MeasuredAt.Time, now) + " ago"
	}
	if a.ConsecutiveFailures+a.ConsecutiveInconclusive+a.ConsecutiveErrors > 0 {
		line += fmt.Sprintf("; in a row: %d failed, %d inconclusive, %d errors",
			a.ConsecutiveFailures, a.ConsecutiveInconclusive, a.ConsecutiveErrors)
	}
	fmt.Fprintln(w, line)
	if len(a.Metrics) == 0 {
		return
	}
	rows := make([]string, 0, len(a.Metrics))
	for _, m := range a.Metrics {
		rows = append(rows, fmt.Sprintf("%s\t%s\t%s\t%s\t%s", m.Name, m.Phase, orDash(m.Value), orDash(m.StableValue), m.Message))
	}
	section(w, "", "METRIC\tPHASE\tVALUE\tSTABLE\tMESSAGE", rows)
}

func printPlain(w io.Writer, kv *tabwriter.Writer, app *flotillav1alpha1.Application) {
	st := &app.Status
	if app.Spec.Rollout == nil {
		fmt.Fprintf(kv, "Rollout:\tnone: without spec.rollout every revision goes to every cluster at once\n")
	} else {
		fmt.Fprintf(kv, "Rollout:\tnone of %s recorded yet (a first release goes to every cluster at once)\n", orNone(st.CurrentRevision))
	}
	for _, t := range []string{flotillav1alpha1.ConditionProgressing, flotillav1alpha1.ConditionAvailable} {
		if c := meta.FindStatusCondition(st.Conditions, t); c != nil {
			fmt.Fprintf(kv, "%s:\t%s, %s: %s\n", t, c.Status, c.Reason, c.Message)
		} else {
			fmt.Fprintf(kv, "%s:\t<not reported yet>\n", t)
		}
	}
	fmt.Fprintf(kv, "Replicas:\t%d desired, %d ready, %d updated, %d available\n", st.Replicas, st.ReadyReplicas, st.UpdatedReplicas, st.AvailableReplicas)
	_ = kv.Flush()
	rows := make([]string, 0, len(st.Clusters))
	for _, c := range st.Clusters {
		rows = append(rows, fmt.Sprintf("%s\t%s\t%d\t%d\t%d\t%d\t%s", c.Name, orNone(c.AppliedRevision), c.Replicas, c.ReadyReplicas,
			c.UpdatedReplicas, c.AvailableReplicas, orNone(string(c.Reachable))))
	}
	section(w, "Clusters:", "CLUSTER\tREVISION\tDESIRED\tREADY\tUPDATED\tAVAILABLE\tREACHABLE", rows)
}

// nextStep tells what the user can do about a rollout that waits for them or stopped.
func nextStep(app *flotillav1alpha1.Application, st *flotillav1alpha1.RolloutStatus) string {
	cmd := func(verb string) string {
		return fmt.Sprintf("flotilla rollout %s %s -n %s", verb, app.Name, app.Namespace)
	}
	switch {
	case restartPending(app, st):
		return "resumed: the controller releases " + st.Revision + " again from the first wave"
	case st.Phase == flotillav1alpha1.RolloutAborted || st.Phase == flotillav1alpha1.RolloutAborting:
		return "fix the release and apply it again, or `" + cmd("resume") + "` to release " + st.Revision + " again"
	case st.Phase != flotillav1alpha1.RolloutPaused:
		return ""
	case st.Reason == flotillav1alpha1.PauseGate:
		return "`" + cmd("promote") + "` (--full: every cluster at once), or `" + cmd("abort") + "`"
	case st.Reason == flotillav1alpha1.PauseUser:
		return "`" + cmd("resume") + "`"
	case st.Reason == flotillav1alpha1.PauseFleetFreeze:
		return "`" + cmd("resume") + "` overrides the freeze for this application"
	case st.Reason == flotillav1alpha1.PauseAnalysisFailed || st.Reason == flotillav1alpha1.PauseAnalysisInconclusive:
		return "`" + cmd("resume") + "` to go on, or `" + cmd("abort") + "` to roll back"
	}
	return ""
}

func phaseText(st *flotillav1alpha1.RolloutStatus) string {
	if st.Reason == "" {
		return string(st.Phase)
	}
	return fmt.Sprintf("%s (%s)", st.Phase, st.Reason)
}

func waveText(st *flotillav1alpha1.RolloutStatus) string {
	if st.WaveName == "" {
		return fmt.Sprintf("%d/%d", st.Wave+1, st.Waves)
	}
	return fmt.Sprintf("%s (%d/%d)", st.WaveName, st.Wave+1, st.Waves)
}

// waveName names wave i the way the planner does: the spec's name, "wave-<n>", or the implicit
// last wave "all" (no waves in the spec) or "rest".
func waveName(app *flotillav1alpha1.Application, st *flotillav1alpha1.RolloutStatus, i int32) string {
	if i == st.Wave && st.WaveName != "" {
		return st.WaveName
	}
	var spec []flotillav1alpha1.RolloutWave
	if app.Spec.Rollout != nil {
		spec = app.Spec.Rollout.Waves
	}
	switch {
	case int(i) < len(spec) && spec[i].Name != "":
		return spec[i].Name
	case int(i) < len(spec):
		return fmt.Sprintf("wave-%d", i+1)
	case len(spec) == 0:
		return "all"
	}
	return "rest"
}

func timeline(st *flotillav1alpha1.RolloutStatus, now time.Time) string {
	parts := []string{}
	for _, t := range []struct {
		what string
		at   *metav1.Time
	}{{"", st.StartedAt}, {"aborted", st.AbortedAt}, {"finished", st.FinishedAt}} {
		if t.at != nil {
			parts = append(parts, strings.TrimSpace(t.what+" "+age(t.at.Time, now)+" ago"))
		}
	}
	if len(parts) == 0 {
		return "<unknown>"
	}
	return strings.Join(parts, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
