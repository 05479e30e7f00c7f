package rollout

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/get"
	"flotilla.dev/flotilla/internal/cli/options"
)

// retryEvery is how long `rollout status` waits before reading again after the hub failed to answer.
const retryEvery = time.Second

func newStatusCommand(g *options.Global) *cobra.Command {
	watchFlag, timeout := true, time.Duration(0)
	cmd := &cobra.Command{
		Use:   "status APP [--watch=false] [--timeout D]",
		Short: "Follow the release of an Application's current revision: exit 0 once it runs everywhere, 1 if it is aborted",
		Long: `Status shows the release of the Application's current revision: the revision being released
and the stable one, the phase with its reason and message, the current wave and batch, each
cluster's replicas of both revisions, and the latest analysis with its measured values.

Like kubectl rollout status it watches until the release is over: it exits 0 once the revision
runs, available, in every cluster, and 1 once the rollout was aborted and rolled back, printing
why. A paused rollout is reported and waited for. With --watch=false it prints the status once
and exits 1 only if the rollout is aborting or aborted. On a terminal the view is redrawn in
place; otherwise a line is printed whenever the status changes.

Without spec.rollout it reports the plain progress (conditions Progressing and Available,
replicas per cluster) and waits for the current revision to be ready in every cluster.`,
		Example: `  flotilla rollout status web -n team-a
  flotilla rollout status web --timeout 10m
  flotilla rollout status web --watch=false`,
		Args:              exactlyOneApp,
		ValidArgsFunction: get.CompleteApplicationNames(g),
		RunE: func(cmd *cobra.Command, args []string) error {
			if timeout < 0 {
				return &options.UsageError{Err: fmt.Errorf("--timeout must not be negative, got %s", timeout)}
			}
			c, err := g.WatchClient()
			if err != nil {
				return err
			}
			ns, err := g.EffectiveNamespace()
			if err != nil {
				return err
			}
			run := &statusRun{c: c, key: client.ObjectKey{Namespace: ns, Name: args[0]}, clock: clock.RealClock{}}
			if !watchFlag {
				return run.once(cmd.Context(), newDisplay(g.Out, run.clock))
			}
			return run.follow(cmd.Context(), newDisplay(g.Out, run.clock), timeout)
		},
	}
	cmd.Flags().BoolVarP(&watchFlag, "watch", "w", true, "watch until the release is over; --watch=false prints the status once")
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "give up (exit 1) after this long, e.g. 10m (default: wait for as long as it takes)")
	return cmd
}

// statusRun is one `rollout status`.
type statusRun struct {
	c     client.WithWatch
	key   client.ObjectKey
	clock clock.WithTicker
}

// once prints the status and fails when the rollout is aborting or aborted.
func (r *statusRun) once(ctx context.Context, d *display) error {
	app := &flotillav1alpha1.Application{}
	if err := r.c.Get(ctx, r.key, app); err != nil {
		return fmt.Errorf("application %s/%s: %w", r.key.Namespace, r.key.Name, err)
	}
	d.final(app)
	if outcome, summary := Judge(app); outcome == Failing || outcome == Failed {
		return fmt.Errorf("application %s: %s", app.Name, summary)
	}
	return nil
}

// follow shows the status as it changes until the release succeeds or fails, or time runs out.
func (r *statusRun) follow(ctx context.Context, d *display, timeout time.Duration) error {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	var outcome Outcome
	var summary string
	var ticks <-chan time.Time
	if d.terminal {
		t := r.clock.NewTicker(spinEvery)
		defer t.Stop()
		ticks = t.C()
	}
	err := watchApp(ctx, r.c, r.key, follower{
		seen: func(app *flotillav1alpha1.Application) bool {
			outcome, summary = Judge(app)
			if outcome == Done || outcome == Failed {
				d.app = app // shown in full below
				return true
			}
			d.update(app)
			return false
		},
		ticks: ticks, tick: d.tick, retry: d.retry,
	})
	if d.app != nil && (d.terminal || outcome != Done) {
		d.final(d.app) // the reason and the measured values of a failure, in full
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded) && timeout > 0:
		return fmt.Errorf("timed out after %s waiting for application %s: %s", timeout, r.key.Name, summary)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("stopped watching application %s, the rollout goes on: %s", r.key.Name, summary)
	case err != nil:
		return err
	case outcome == Failed:
		return fmt.Errorf("application %s: %s", r.key.Name, summary)
	}
	fmt.Fprintf(d.out, "application %q successfully rolled out: %s\n", r.key.Name, summary)
	return nil
}

// follower is what watchApp reports to.
type follower struct {
	// seen gets the Application now and after each change; true ends the watch.
	seen func(*flotillav1alpha1.Application) bool
	// tick is called at each tick of ticks (nil: never).
	ticks <-chan time.Time
	tick  func()
	// retry is told why the hub did not answer; watchApp tries again after retryEvery.
	retry func(error)
}

// watchApp reads the Application, then watches it through the API from the resourceVersion it
// read, until f.seen returns true or ctx ends. A watch that ends or fails is started again from a
// fresh read; an Application that cannot be read at first, or that was deleted, ends it with an
// error.
func watchApp(ctx context.Context, c client.WithWatch, key client.ObjectKey, f follower) error {
	for first := true; ; first = false {
		app := &flotillav1alpha1.Application{}
		if err := c.Get(ctx, key, app); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if first || apierrors.IsNotFound(err) {
				return fmt.Errorf("application %s/%s: %w", key.Namespace, key.Name, err)
			}
			f.retry(err)
			sleep(ctx, retryEvery)
			continue
		}
		if f.seen(app) {
			return nil
		}
		w, err := c.Watch(ctx, &flotillav1alpha1.ApplicationList{}, client.InNamespace(key.Namespace),
			client.MatchingFields{"metadata.name": key.Name}, &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: app.ResourceVersion}})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			f.retry(err)
			sleep(ctx, retryEvery)
			continue
		}
		done, err := drain(ctx, w, f)
		w.Stop()
		if done || err != nil {
			return err
		}
	}
}

// drain passes the watch's changes to f until f.seen returns true (done), ctx ends (an error) or
// the watch ends (neither: read again).
func drain(ctx context.Context, w watch.Interface, f follower) (bool, error) {
	for {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-f.ticks:
			f.tick()
		case ev, ok := <-w.ResultChan():
			if !ok || ev.Type == watch.Deleted || ev.Type == watch.Error {
				return false, nil
			}
			if app, isApp := ev.Object.(*flotillav1alpha1.Application); isApp && f.seen(app) {
				return true, nil
			}
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
