package rollout

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/options"
)

func newAbortCommand(g *options.Global) *cobra.Command {
	return newSteeringCommand(g, &cobra.Command{
		Use:   "abort APP",
		Short: "Stop the rollout of an Application and send every cluster back to its stable revision",
		Long: `Abort sets the annotation rollout.flotilla.dev/abort to the current revision: the controller
removes every canary and runs the stable revision (status.stableRevision) at full size in every
cluster again; the rollout is Aborted once all of them are available. The spec keeps the new
revision: 'flotilla rollout resume' releases it again from the first wave, 'flotilla rollout
undo' makes the Application's spec the stable revision's again.`,
		Example: "  flotilla rollout abort web -n team-a",
	}, func() change { return abort })
}

// abort is the change of `rollout abort`.
func abort(app *flotillav1alpha1.Application, _ time.Time) (string, error) {
	st, err := inProgress(app, "abort")
	if err != nil {
		return "", err
	}
	setAnnotation(app, flotillav1alpha1.AnnotationAbort, app.Status.CurrentRevision)
	stable := orNone(app.Status.StableRevision)
	if (st.Phase == flotillav1alpha1.RolloutAborting || st.Phase == flotillav1alpha1.RolloutAborted) && !restartPending(app, st) {
		return fmt.Sprintf("application.flotilla.dev/%s: the rollout of %s is already %s; every cluster goes back to the stable revision %s",
			app.Name, st.Revision, st.Phase, stable), nil
	}
	return fmt.Sprintf("application.flotilla.dev/%s aborted the rollout of %s: every cluster goes back to the stable revision %s",
		app.Name, st.Revision, stable), nil
}
