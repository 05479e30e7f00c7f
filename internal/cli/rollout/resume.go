package rollout

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/options"
)

func newResumeCommand(g *options.Global) *cobra.Command {
	return newSteeringCommand(g, &cobra.Command{
		Use:   "resume APP",
		Short: "Let a held rollout go on: lifts a pause, an analysis pause or a fleet freeze, and restarts an aborted rollout",
		Long: `Resume sets spec.rollout.paused=false, removes the annotation rollout.flotilla.dev/abort and sets
rollout.flotilla.dev/resumed-at to now. The controller then lifts every pause that began before
that time: a user's pause, a pause after a failed or inconclusive analysis (its failure counts
start again), and an active fleet change freeze for this Application only. An aborted rollout is
released again from the first wave. Manual gates stay closed ('flotilla rollout promote') and
pause durations run their course.`,
		Example: "  flotilla rollout resume web -n team-a",
	}, func() change { return resume })
}

// resume is the change of `rollout resume`. The time is written with sub-second precision so
// that it is after a pause or abort the controller recorded earlier in the same second.
func resume(app *flotillav1alpha1.Application, now time.Time) (string, error) {
	s, err := strategy(app, "resume")
	if err != nil {
		return "", err
	}
	wasPaused := s.Paused
	s.Paused = false
	delete(app.Annotations, flotillav1alpha1.AnnotationAbort)
	setAnnotation(app, flotillav1alpha1.AnnotationResumedAt, now.UTC().Format(time.RFC3339Nano))
	return fmt.Sprintf("application.flotilla.dev/%s resumed: %s", app.Name, resumed(app, wasPaused)), nil
}

// resumed says what a resume does to the rollout as status reports it.
func resumed(app *flotillav1alpha1.Application, wasPaused bool) string {
	st := tracked(app)
	if st == nil {
		if wasPaused {
			return "the next rollout is no longer held"
		}
		return "no rollout of the current revision is held"
	}
	promote := fmt.Sprintf("`flotilla rollout promote %s -n %s`", app.Name, app.Namespace)
	switch {
	case st.Phase == flotillav1alpha1.RolloutAborting || st.Phase == flotillav1alpha1.RolloutAborted:
		return "the rollout of " + st.Revision + " starts again from the first wave"
	case st.Phase == flotillav1alpha1.RolloutSucceeded:
		return "the rollout of " + st.Revision + " already succeeded"
	case st.Gate != "":
		return "the rollout of " + st.Revision + " still waits at gate " + st.Gate + ": " + promote + " opens it"
	case st.Reason == flotillav1alpha1.PauseFleetFreeze:
		return "the fleet freeze no longer holds the rollout of " + st.Revision + " (a freeze that begins later holds it again)"
	case st.Reason == flotillav1alpha1.PauseAnalysisFailed || st.Reason == flotillav1alpha1.PauseAnalysisInconclusive:
		return "the analysis pause is lifted and its counts start again; the rollout of " + st.Revision + " goes on"
	case st.Reason == flotillav1alpha1.PauseDuration:
		return "the rollout of " + st.Revision + " goes on once its pause duration has passed"
	}
	return "the rollout of " + st.Revision + " goes on"
}
