package rollout

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/options"
)

func newPromoteCommand(g *options.Global) *cobra.Command {
	var full bool
	cmd := newSteeringCommand(g, &cobra.Command{
		Use:   "promote APP [--full]",
		Short: "Let a rollout waiting at a manual gate go on, or with --full release it to every cluster at once",
		Long: `Promote opens the manual gate the rollout of the current revision waits at (status.rollout.gate,
a batch or wave pause without a duration) by setting the annotation rollout.flotilla.dev/promote
to it. It fails when the rollout is not waiting at a gate, saying what it waits for.

With --full it sets rollout.flotilla.dev/promote-full to the current revision instead: the
revision goes to every remaining cluster at once, skipping the remaining waves, batches, pauses
and gates. A failed analysis still aborts it.`,
		Example: "  flotilla rollout promote web -n team-a\n  flotilla rollout promote web --full",
	}, func() change { return promote(full) })
	cmd.Flags().BoolVar(&full, "full", false, "release the current revision to every cluster at once, skipping the remaining steps")
	return cmd
}

// promote is the change of `rollout promote`.
func promote(full bool) change {
	return func(app *flotillav1alpha1.Application, _ time.Time) (string, error) {
		st, err := inProgress(app, "promote")
		if err != nil {
			return "", err
		}
		if st.Phase == flotillav1alpha1.RolloutAborting || st.Phase == flotillav1alpha1.RolloutAborted {
			return "", fmt.Errorf("application %s: the rollout of %s was aborted (%s), there is nothing to promote; "+
				"`flotilla rollout resume %s -n %s` releases it again from the first wave", app.Name, st.Revision, st.Reason, app.Name, app.Namespace)
		}
		if full {
			setAnnotation(app, flotillav1alpha1.AnnotationPromoteFull, app.Status.CurrentRevision)
			return fmt.Sprintf("application.flotilla.dev/%s promoted fully: %s goes to every cluster at once, "+
				"skipping the remaining waves, batches, pauses and gates", app.Name, app.Status.CurrentRevision), nil
		}
		if st.Gate == "" {
			return "", fmt.Errorf("application %s: the rollout of %s is not waiting at a gate, it is %s: %s "+
				"(--full releases it to every cluster at once)", app.Name, st.Revision, phaseText(st), orNone(st.Message))
		}
		setAnnotation(app, flotillav1alpha1.AnnotationPromote, st.Gate)
		return fmt.Sprintf("application.flotilla.dev/%s promoted: gate %s is open, the rollout goes on from wave %s, batch %d/%d",
			app.Name, st.Gate, waveText(st), st.Batch+1, st.Batches), nil
	}
}
