package rollout

import (
	"strings"
	"testing"
	"time"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// TestSteeringChanges checks what promote, pause, resume and abort write, and that each refuses,
// naming the Application and the way on, when the rollout is not in a state it applies to.
func TestSteeringChanges(t *testing.T) {
	noStrategy := atGate()
	noStrategy.Spec.Rollout = nil
	noRollout := web(nil)
	olderRollout := atGate()
	olderRollout.Status.CurrentRevision = "web-cccccccccc"
	succeeded := web(&flotillav1alpha1.RolloutStatus{Phase: flotillav1alpha1.RolloutSucceeded})
	progressing := web(&flotillav1alpha1.RolloutStatus{Phase: flotillav1alpha1.RolloutProgressing, Waves: 2, WaveName: "canary",
		Batches: 3, Message: "wave canary, batch 1/3: waiting for eu-1 canary 0/1 ready"})
	paused := atGate()
	paused.Spec.Rollout.Paused = true
	paused.Annotations = map[string]string{flotillav1alpha1.AnnotationAbort: "web-bbbbbbbbbb", "team": "a"}
	frozen := progressing.DeepCopy()
	frozen.Status.Rollout.Phase, frozen.Status.Rollout.Reason = flotillav1alpha1.RolloutPaused, flotillav1alpha1.PauseFleetFreeze

	const (
		promoteKey = flotillav1alpha1.AnnotationPromote
		fullKey    = flotillav1alpha1.AnnotationPromoteFull
		abortKey   = flotillav1alpha1.AnnotationAbort
		resumedKey = flotillav1alpha1.AnnotationResumedAt
	)
	now := time.Date(2026, 11, 23, 12, 0, 0, 500_000_000, time.UTC)
	for _, tc := range []struct {
		name   string
		change change
		app    *flotillav1alpha1.Application
		// err, when set, is a part of the error; otherwise msg is a part of the output.
		err, msg   string
		annotation map[string]string // expected annotations after the change
		paused     bool
	}{
		{name: "promote opens the gate", change: promote(false), app: atGate(),
			msg:        "application.flotilla.dev/web promoted: gate web-bbbbbbbbbb/wave-1/batch-2 is open, the rollout goes on from wave canary (1/2), batch 2/3",
			annotation: map[string]string{promoteKey: "web-bbbbbbbbbb/wave-1/batch-2"}},
		{name: "promote away from a gate says what the rollout waits for", change: promote(false), app: progressing,
			err: "application web: the rollout of web-bbbbbbbbbb is not waiting at a gate, it is Progressing: wave canary, batch 1/3: waiting for eu-1 canary 0/1 ready"},
		{name: "promote --full releases the current revision", change: promote(true), app: progressing,
			msg: "promoted fully: web-bbbbbbbbbb goes to every cluster at once", annotation: map[string]string{fullKey: "web-bbbbbbbbbb"}},
		{name: "promote without spec.rollout", change: promote(false), app: noStrategy,
			err: "application web has no spec.rollout, so there is nothing to promote"},
		{name: "promote without a rollout", change: promote(true), app: noRollout,
			err: "application web has no rollout in progress (status.rollout is empty)"},
		{name: "promote before the controller started the rollout", change: promote(false), app: olderRollout,
			err: "application web has no rollout of its current revision web-cccccccccc yet (status.rollout is of web-bbbbbbbbbb)"},
		{name: "promote an aborted rollout", change: promote(true), app: aborted(),
			err: "`flotilla rollout resume web -n team-a` releases it again"},
		{name: "promote a finished rollout", change: promote(false), app: succeeded,
			err: "the rollout of web-bbbbbbbbbb already succeeded, there is nothing to promote"},

		{name: "pause holds the rollout where it is", change: pause, app: atGate(), paused: true,
			msg: "application.flotilla.dev/web paused: the rollout of web-bbbbbbbbbb holds at wave canary (1/2), batch 2/3 until `flotilla rollout resume web -n team-a`"},
		{name: "pause without a rollout holds the next one", change: pause, app: noRollout, paused: true,
			msg: "a new revision's rollout holds at its first batch"},
		{name: "pause twice", change: pause, app: paused, paused: true, msg: "is already paused",
			annotation: map[string]string{abortKey: "web-bbbbbbbbbb", "team": "a"}},
		{name: "pause without spec.rollout says how to add one", change: pause, app: noStrategy,
			err: "application web has no spec.rollout, so there is nothing to pause: every revision goes to every cluster at once. Add a strategy"},

		{name: "resume lifts the pause and the abort", change: resume, app: paused,
			msg:        "resumed: the rollout of web-bbbbbbbbbb still waits at gate web-bbbbbbbbbb/wave-1/batch-2: `flotilla rollout promote web -n team-a` opens it",
			annotation: map[string]string{resumedKey: "2026-11-23T12:00:00.5Z", "team": "a"}},
		{name: "resume restarts an aborted rollout", change: resume, app: aborted(),
			msg: "the rollout of web-bbbbbbbbbb starts again from the first wave", annotation: map[string]string{resumedKey: "2026-11-23T12:00:00.5Z"}},
		{name: "resume overrides a freeze", change: resume, app: frozen,
			msg: "the fleet freeze no longer holds the rollout", annotation: map[string]string{resumedKey: "2026-11-23T12:00:00.5Z"}},
		{name: "resume without spec.rollout", change: resume, app: noStrategy, err: "has no spec.rollout, so there is nothing to resume"},

		{name: "abort sends every cluster back", change: abort, app: progressing, annotation: map[string]string{abortKey: "web-bbbbbbbbbb"},
			msg: "application.flotilla.dev/web aborted the rollout of web-bbbbbbbbbb: every cluster goes back to the stable revision web-aaaaaaaaaa"},
		{name: "abort an aborted rollout", change: abort, app: aborted(), annotation: map[string]string{abortKey: "web-bbbbbbbbbb"},
			msg: "the rollout of web-bbbbbbbbbb is already Aborted"},
		{name: "abort a finished rollout points to undo", change: abort, app: succeeded,
			err: "there is nothing to abort; `flotilla rollout undo web -n team-a` goes back to an earlier revision"},
		{name: "abort without a rollout", change: abort, app: noRollout, err: "application web has no rollout in progress"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := tc.app.DeepCopy()
			msg, err := tc.change(app, now)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(msg, tc.msg) {
				t.Errorf("printed %q, want it to contain %q", msg, tc.msg)
			}
			if len(app.Annotations) != len(tc.annotation) {
				t.Errorf("annotations %v, want %v", app.Annotations, tc.annotation)
			}
			for k, v := range tc.annotation {
				if app.Annotations[k] != v {
					t.Errorf("annotation %s = %q, want %q (all: %v)", k, app.Annotations[k], v, app.Annotations)
				}
			}
			if app.Spec.Rollout != nil && app.Spec.Rollout.Paused != tc.paused {
				t.Errorf("spec.rollout.paused = %v, want %v", app.Spec.Rollout.Paused, tc.paused)
			}
		})
	}
}
