package tuning

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/options"
)

// Previous is the --to-revision (and revert-to annotation) value for what the current revision
// replaced.
const Previous = "previous"

// reasonRevert is the reason of the revisions the controller makes for a revert by hand.
const reasonRevert = "Revert"

// Defaults of RevertOptions.
const (
	DefaultRevertTimeout = 30 * time.Second
	DefaultPoll          = 250 * time.Millisecond
	DefaultGrace         = 5 * time.Second
)

// eventSkew is how much earlier than the command's start a controller's event may be dated and
// still count as the answer to it (clocks of the hub, the controller and the user differ).
const eventSkew = 5 * time.Second

// RevertOptions are the flags of `flotilla tuning revert` and how it waits.
type RevertOptions struct {
	// To is --to-revision: a revision number of the history, 0 for the Applications' own
	// resources (their spec), or Previous.
	To string
	// Wait for the controller to make the revision; Timeout bounds the wait (0: no bound).
	Wait    bool
	Timeout time.Duration
	// Poll is how often the policy is read while waiting. Grace is how long the controller has
	// to record the revision once it removed the annotation (it removes the annotation first),
	// after which the revert counts as refused.
	Poll, Grace time.Duration
}

func newRevertCommand(g *options.Global) *cobra.Command {
	o := &RevertOptions{To: Previous, Wait: true, Timeout: DefaultRevertTimeout, Poll: DefaultPoll, Grace: DefaultGrace}
	cmd := appCommand(g, &cobra.Command{
		Use:   "revert APP [--to-revision N]",
		Short: "Ask the controller to restore the requests and limits of an earlier tuning revision",
		Long: `Revert asks the controller to restore the CPU and memory requests and limits of a revision of
the ResourcePolicy that selects the Application: by default the resources the current revision
replaced ("previous"), with --to-revision N those of revision N of the history, and with
--to-revision 0 the Applications' own resources from their spec. The policy's revision covers
every Application it selects, so all of them are reverted.

It checks that the revision is in the history, then sets the annotations
tuning.flotilla.dev/revert-to and tuning.flotilla.dev/revert-by (the kubeconfig context's user,
else "cli") with one merge patch. The controller makes a new revision of reason Revert, removes
both annotations, resizes the pods and holds off recommended changes for a while.

By default it waits (--timeout, default 30s) for that revision and prints it; it fails if the
controller refused, or if the time runs out (the request then stays on the policy).`,
		Example: `  flotilla tuning revert web
  flotilla tuning revert web --to-revision 7
  flotilla tuning revert web --to-revision 0 --wait=false`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, _, err := parseTo(o.To); err != nil {
				return &options.UsageError{Err: err}
			}
			if o.Timeout < 0 {
				return &options.UsageError{Err: fmt.Errorf("--timeout must not be negative, got %s", o.Timeout)}
			}
			c, ns, err := g.ClientInNamespace()
			if err != nil {
				return err
			}
			return o.Run(cmd.Context(), c, ns, args[0], g.KubeconfigUser(), g.Out)
		},
	})
	cmd.Flags().StringVar(&o.To, "to-revision", Previous, `revision number to restore, 0 for the Applications' own resources, or "previous" (what the current revision replaced)`)
	cmd.Flags().BoolVar(&o.Wait, "wait", true, "wait for the controller to make the revision; --wait=false only writes the request")
	cmd.Flags().DurationVar(&o.Timeout, "timeout", DefaultRevertTimeout, "give up waiting (exit 1) after this long; 0 waits for as long as it takes")
	return cmd
}

// parseTo reads a --to-revision value: a revision number from 0, or Previous.
func parseTo(s string) (n int64, previous bool, err error) {
	if s == Previous {
		return 0, true, nil
	}
	n, err = strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, false, fmt.Errorf("--to-revision must be a revision number from 0 or %q, got %q", Previous, s)
	}
	return n, false, nil
}

// Run asks for the revert of the Application name in ns as user ("" when unknown) and, with
// o.Wait, waits for the controller's answer; it prints the outcome to out.
func (o *RevertOptions) Run(ctx context.Context, c client.Client, ns, name, user string, out io.Writer) error {
	n, previous, err := parseTo(o.To)
	if err != nil {
		return &options.UsageError{Err: err}
	}
	sel, err := Find(ctx, c, ns, name)
	if err != nil {
		return err
	}
	p := sel.Policy
	if pending := p.Annotations[flotillav1alpha1.AnnotationTuningRevert]; pending != "" {
		return fmt.Errorf("ResourcePolicy %s already has a revert to %q by %s waiting for the controller; wait for it (flotilla tuning history %s) "+
			"or remove the %s annotation", p.Name, pending, orNone(p.Annotations[flotillav1alpha1.AnnotationTuningRevertBy]), name,
			flotillav1alpha1.AnnotationTuningRevert)
	}
	target, err := checkTarget(sel, n, previous)
	if err != nil {
		return err
	}
	if user == "" {
		user = "cli"
	}
	before := p.Status.CurrentRevision
	base := p.DeepCopy()
	if p.Annotations == nil {
		p.Annotations = map[string]string{}
	}
	p.Annotations[flotillav1alpha1.AnnotationTuningRevert] = o.To
	p.Annotations[flotillav1alpha1.AnnotationTuningRevertBy] = user
	start, seen := time.Now(), warnings(ctx, c, p)
	if err := c.Patch(ctx, p, client.MergeFrom(base)); err != nil {
		return fmt.Errorf("annotating ResourcePolicy %s/%s: %w", ns, p.Name, err)
	}
	if !o.Wait {
		fmt.Fprintf(out, "asked the controller to revert %s to revision %d (ResourcePolicy %s: %s=%s, %s=%s); follow with flotilla tuning history %s\n",
			name, target, p.Name, flotillav1alpha1.AnnotationTuningRevert, o.To, flotillav1alpha1.AnnotationTuningRevertBy, user, name)
		return nil
	}
	return o.wait(ctx, c, sel, before, target, answer{start: start, seen: seen}, out)
}

// checkTarget checks that the revert can be asked for and returns the revision it restores:
// n itself (0, or a revision of the history), or for previous the one before the current.
func checkTarget(sel *Selection, n int64, previous bool) (int64, error) {
	p := sel.Policy
	switch {
	case previous && p.Status.CurrentRevision == 0:
		return 0, fmt.Errorf("ResourcePolicy %s has made no revision yet, so there is nothing to revert; see flotilla tuning status %s", p.Name, sel.App.Name)
	case previous:
		return p.Status.CurrentRevision - 1, nil
	case n > 0 && revisionOf(p, n) == nil:
		return 0, notInHistory(sel, n)
	}
	return n, nil
}

// wait reads the policy every o.Poll until the controller made a Revert revision after before
// and removed the annotation (printing it), refused (the annotation removed and no revision
// within o.Grace), or ctx or o.Timeout ends.
func (o *RevertOptions) wait(ctx context.Context, c client.Client, sel *Selection, before, target int64, a answer, out io.Writer) error {
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	name, key := sel.App.Name, client.ObjectKeyFromObject(sel.Policy)
	var removedAt time.Time
	pending := true
	seen := fmt.Sprintf("the %s annotation is still set and status.currentRevision is still %d", flotillav1alpha1.AnnotationTuningRevert, before)
	for {
		p := &flotillav1alpha1.ResourcePolicy{}
		err := c.Get(ctx, key, p)
		switch {
		case apierrors.IsNotFound(err):
			return fmt.Errorf("ResourcePolicy %s was deleted while waiting for the revert of %s", key.Name, name)
		case err != nil && ctx.Err() == nil:
			seen = fmt.Sprintf("reading ResourcePolicy %s failed: %v", key.Name, err)
		case err == nil && p.Annotations[flotillav1alpha1.AnnotationTuningRevert] != "":
			pending = true
			seen = fmt.Sprintf("the %s annotation is still set and status.currentRevision is %d", flotillav1alpha1.AnnotationTuningRevert, p.Status.CurrentRevision)
		case err == nil:
			if rev := revertAfter(p, before); rev != nil {
				printReverted(out, name, target, rev)
				return nil
			}
			if removedAt.IsZero() {
				removedAt = time.Now()
			}
			pending = false
			seen = fmt.Sprintf("the %s annotation was removed but status.currentRevision is still %d", flotillav1alpha1.AnnotationTuningRevert, p.Status.CurrentRevision)
			if why := a.refusal(ctx, c, p); why != "" {
				return fmt.Errorf("the controller refused to revert %s: %s", name, why)
			}
			if time.Since(removedAt) >= o.Grace {
				return fmt.Errorf("the controller removed the %s annotation of ResourcePolicy %s but did not make a revision (status.currentRevision is still %d); "+
					"see kubectl describe resourcepolicy %s -n %s for why", flotillav1alpha1.AnnotationTuningRevert, key.Name, p.Status.CurrentRevision, key.Name, key.Namespace)
			}
		}
		t := time.NewTimer(o.Poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return waitEnded(ctx, o.Timeout, name, key, seen, pending)
		case <-t.C:
		}
	}
}

// waitEnded is the error of a wait that ctx ended, saying what was seen last; pending is true
// while the request was still on the policy.
func waitEnded(ctx context.Context, timeout time.Duration, name string, key client.ObjectKey, seen string, pending bool) error {
	hint := fmt.Sprintf("see kubectl describe resourcepolicy %s -n %s", key.Name, key.Namespace)
	if pending {
		hint = "the request stays on the policy for the controller (is it running? " + hint + ")"
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) && timeout > 0 {
		return fmt.Errorf("timed out after %s waiting for the controller to revert %s (ResourcePolicy %s): %s; %s", timeout, name, key.Name, seen, hint)
	}
	return fmt.Errorf("stopped waiting for the controller to revert %s (ResourcePolicy %s): %s; %s", name, key.Name, seen, hint)
}

// revertAfter returns the first revision of reason Revert numbered after before, or nil.
func revertAfter(p *flotillav1alpha1.ResourcePolicy, before int64) *flotillav1alpha1.TuningRevision {
	for i := range p.Status.History {
		if r := &p.Status.History[i]; r.Revision > before && r.Reason == reasonRevert {
			return r
		}
	}
	return nil
}

// printReverted reports the revision rev that reverted app to target (the revision rev's
// message names, "restores revision N", when it names one) and what it changed in app.
func printReverted(out io.Writer, app string, target int64, rev *flotillav1alpha1.TuningRevision) {
	var restored int64
	if _, err := fmt.Sscanf(rev.Message, "restores revision %d", &restored); err == nil {
		target = restored
	}
	fmt.Fprintf(out, "reverted %s to revision %d as revision %d\n", app, target, rev.Revision)
	if ch := Changes(rev, app); ch != noChange {
		fmt.Fprintf(out, "  %s\n", ch)
	}
}

// answer tells the controller's answer to this command among the policy's events: start is
// when the command asked, seen the Warning events (UID: time) already there then.
type answer struct {
	start time.Time
	seen  map[types.UID]time.Time
}

// warnings returns the time of each Warning event about p (nil when they cannot be read).
func warnings(ctx context.Context, c client.Reader, p *flotillav1alpha1.ResourcePolicy) map[types.UID]time.Time {
	var events corev1.EventList
	if err := c.List(ctx, &events, client.InNamespace(p.Namespace),
		client.MatchingFields{"involvedObject.kind": "ResourcePolicy", "involvedObject.name": p.Name}); err != nil {
		return nil
	}
	out := map[types.UID]time.Time{}
	for i := range events.Items {
		if e := &events.Items[i]; e.Type == corev1.EventTypeWarning {
			out[e.UID] = eventTime(e)
		}
	}
	return out
}

// refusal is "REASON: message" of the latest Warning event about p that is new since a (or
// happened again), or "" when there is none or the events cannot be read. Without a list of the
// events at the start, events dated before it (less eventSkew) are old.
func (a answer) refusal(ctx context.Context, c client.Reader, p *flotillav1alpha1.ResourcePolicy) string {
	var events corev1.EventList
	if err := c.List(ctx, &events, client.InNamespace(p.Namespace),
		client.MatchingFields{"involvedObject.kind": "ResourcePolicy", "involvedObject.name": p.Name}); err != nil {
		return ""
	}
	var latest *corev1.Event
	for i := range events.Items {
		e := &events.Items[i]
		at := eventTime(e)
		if e.Type != corev1.EventTypeWarning || at.Before(a.start.Add(-eventSkew)) {
			continue
		}
		if was, ok := a.seen[e.UID]; ok && !at.After(was) {
			continue
		}
		if latest == nil || at.After(eventTime(latest)) {
			latest = e
		}
	}
	if latest == nil {
		return ""
	}
	return latest.Reason + ": " + latest.Message
}

// eventTime is when an event last happened, whichever API wrote it.
func eventTime(e *corev1.Event) time.Time {
	switch {
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return e.Series.LastObservedTime.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	}
	return e.CreationTimestamp.Time
}
