package rollout

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/options"
)

func newPauseCommand(g *options.Global) *cobra.Command {
	return newSteeringCommand(g, &cobra.Command{
		Use:   "pause APP",
		Short: "Hold the rollout of an Application where it is (spec.rollout.paused=true) until it is resumed",
		Long: `Pause sets spec.rollout.paused: the rollout in progress holds at its current step (clusters keep
what they run, analysis goes on), and a new revision's rollout holds at its first batch, until
'flotilla rollout resume'. The Application needs a spec.rollout.`,
		Example: "  flotilla rollout pause web -n team-a",
	}, func() change { return pause })
}

// pause is the change of `rollout pause`.
func pause(app *flotillav1alpha1.Application, _ time.Time) (string, error) {
	s, err := strategy(app, "pause")
	if err != nil {
		return "", err
	}
	resume := fmt.Sprintf("`flotilla rollout resume %s -n %s`", app.Name, app.Namespace)
	if s.Paused {
		return fmt.Sprintf("application.flotilla.dev/%s is already paused (spec.rollout.paused); %s resumes it", app.Name, resume), nil
	}
	s.Paused = true
	where := "a new revision's rollout holds at its first batch"
	if st := tracked(app); st != nil && (st.Phase == flotillav1alpha1.RolloutProgressing || st.Phase == flotillav1alpha1.RolloutPaused) {
		where = fmt.Sprintf("the rollout of %s holds at wave %s, batch %d/%d", st.Revision, waveText(st), st.Batch+1, st.Batches)
	}
	return fmt.Sprintf("application.flotilla.dev/%s paused: %s until %s", app.Name, where, resume), nil
}
