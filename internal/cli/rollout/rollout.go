// Package rollout is `flotilla rollout`: following and steering the progressive release of an
// Application's revisions (status, promote, pause, resume, abort), and the history of its
// revisions with undo. Each subcommand is one file: status.go (with statusview.go, the pure view,
// and display.go, terminal or line output), promote.go, pause.go, resume.go, abort.go,
// history.go, undo.go.
//
// The steering commands never change the rollout themselves: they write spec.rollout.paused or
// a rollout.flotilla.dev/* annotation naming the gate or revision they are for, as a JSON merge
// patch, and the controller acts on it (see internal/rollout/planner).
package rollout

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/get"
	"flotilla.dev/flotilla/internal/cli/options"
)

// NewCommand returns `flotilla rollout` with its subcommands.
func NewCommand(g *options.Global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rollout",
		Short: "Follow and steer the rollout of an Application: status, promote, pause, resume, abort, history, undo",
	}
	cmd.AddCommand(newStatusCommand(g), newPromoteCommand(g), newPauseCommand(g), newResumeCommand(g),
		newAbortCommand(g), newHistoryCommand(g), newUndoCommand(g))
	return cmd
}

// change edits an Application for a steering command and returns what to print, or an error
// that names the Application and says how to go on. now is the time of the command.
type change func(app *flotillav1alpha1.Application, now time.Time) (string, error)

// newSteeringCommand completes cmd (its texts) as a steering command of one Application that
// makes the change ch returns at run time (after the flags are parsed).
func newSteeringCommand(g *options.Global, cmd *cobra.Command, ch func() change) *cobra.Command {
	cmd.Args = exactlyOneApp
	cmd.ValidArgsFunction = get.CompleteApplicationNames(g)
	cmd.RunE = func(c *cobra.Command, args []string) error {
		return steer(c.Context(), g, args[0], ch())
	}
	return cmd
}

// steer runs a steering command: it reads the Application, applies ch and writes what ch changed
// as a JSON merge patch, so that what the controller writes meanwhile (status, other
// annotations) is kept.
func steer(ctx context.Context, g *options.Global, name string, ch change) error {
	c, ns, err := clientAndNamespace(g)
	if err != nil {
		return err
	}
	app := &flotillav1alpha1.Application{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, app); err != nil {
		return fmt.Errorf("application %s/%s: %w", ns, name, err)
	}
	base := app.DeepCopy()
	msg, err := ch(app, time.Now().UTC())
	if err != nil {
		return err
	}
	if err := c.Patch(ctx, app, client.MergeFrom(base)); err != nil {
		return fmt.Errorf("updating application %s/%s: %w", ns, name, err)
	}
	fmt.Fprintln(g.Out, msg)
	return nil
}

// strategy returns spec.rollout, or an error saying how to add one.
func strategy(app *flotillav1alpha1.Application, verb string) (*flotillav1alpha1.RolloutStrategy, error) {
	if app.Spec.Rollout == nil {
		return nil, fmt.Errorf("application %s has no spec.rollout, so there is nothing to %s: every revision goes to every cluster "+
			"at once. Add a strategy (e.g. spec.rollout.batches: [{replicas: 20%%}]) and apply it with `flotilla apply -f`; see docs/rollout.md",
			app.Name, verb)
	}
	return app.Spec.Rollout, nil
}

// inProgress returns the rollout of the current revision, or an error saying why there is none.
func inProgress(app *flotillav1alpha1.Application, verb string) (*flotillav1alpha1.RolloutStatus, error) {
	if _, err := strategy(app, verb); err != nil {
		return nil, err
	}
	st := app.Status.Rollout
	switch {
	case st == nil:
		return nil, fmt.Errorf("application %s has no rollout in progress (status.rollout is empty): a rollout starts when a new "+
			"revision is applied; `flotilla rollout status %s -n %s` follows it", app.Name, app.Name, app.Namespace)
	case st.Revision != app.Status.CurrentRevision:
		return nil, fmt.Errorf("application %s has no rollout of its current revision %s yet (status.rollout is of %s): "+
			"wait for the controller, e.g. with `flotilla rollout status %s -n %s`", app.Name, orNone(app.Status.CurrentRevision),
			st.Revision, app.Name, app.Namespace)
	case st.Phase == flotillav1alpha1.RolloutSucceeded:
		return nil, fmt.Errorf("application %s: the rollout of %s already succeeded, there is nothing to %s; "+
			"`flotilla rollout undo %s -n %s` goes back to an earlier revision", app.Name, st.Revision, verb, app.Name, app.Namespace)
	}
	return st, nil
}

func setAnnotation(app *flotillav1alpha1.Application, key, value string) {
	if app.Annotations == nil {
		app.Annotations = map[string]string{}
	}
	app.Annotations[key] = value
}

// Steering returns the change a steering action makes to an Application — promote,
// promote-full, pause, resume or abort, as the commands of the same names — for callers other
// than the command line (the console). The change returns the message the command prints, or an
// error saying why the action does not apply now.
func Steering(action string) (func(app *flotillav1alpha1.Application, now time.Time) (string, error), bool) {
	switch action {
	case "promote":
		return promote(false), true
	case "promote-full":
		return promote(true), true
	case "pause":
		return pause, true
	case "resume":
		return resume, true
	case "abort":
		return abort, true
	}
	return nil, false
}
