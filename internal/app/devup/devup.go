// Package devup is what `flotilla dev up` does once the local fleet's clusters run: join every
// member to the hub through the same code as `flotilla join`, run the sample traffic generator,
// Prometheus and the hub controller (which also serves the console and keeps the audit trail) as
// fleet processes, give the hub's console identities their roles, register the controller's
// admission webhooks with the hub, deploy the sample application and print how to sign in to
// the console. Every step is idempotent,
// so `dev up` on a running fleet converges instead of failing.
package devup

import (
	"context"
	"fmt"
	"io"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/internal/devfleet"
	"flotilla.dev/flotilla/internal/fleet/join"
	"flotilla.dev/flotilla/internal/platform/scheme"
)

// Options tune the steps after the clusters are up.
type Options struct {
	// Out receives one progress line per step.
	Out io.Writer
	// SkipSampleApp leaves the sample application out.
	SkipSampleApp bool
	// SkipTraffic leaves out the sample traffic generator and Prometheus, and removes them
	// from a fleet that runs them.
	SkipTraffic bool
	// WaitTimeout bounds the wait for Ready members and an available sample application.
	WaitTimeout time.Duration
}

// AfterUp returns the hook devfleet runs after its clusters are up.
func AfterUp(o Options) func(ctx context.Context, f *devfleet.Fleet) error {
	if o.WaitTimeout == 0 {
		o.WaitTimeout = 2 * time.Minute
	}
	return func(ctx context.Context, f *devfleet.Fleet) error {
		cfg, err := f.Hub.RESTConfig()
		if err != nil {
			return err
		}
		hub, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
		if err != nil {
			return fmt.Errorf("connecting to the hub: %w", err)
		}
		if err := JoinMembers(ctx, hub, f, o.Out); err != nil {
			return err
		}
		if err := EnsureConsoleAccess(ctx, hub); err != nil {
			return err
		}
		if err := ensureTraffic(ctx, f, o); err != nil {
			return err
		}
		ep, err := startController(ctx, f, o.Out)
		if err != nil {
			return err
		}
		if err := setScrapeTargets(f); err != nil {
			return err
		}
		if err := registerWebhook(ctx, hub, ep, o.Out); err != nil {
			return err
		}
		if err := waitMembersReady(ctx, hub, f, o); err != nil {
			return err
		}
		if !o.SkipSampleApp {
			if err := deploySample(ctx, hub, o); err != nil {
				return err
			}
		}
		return printConsole(f, o.Out)
	}
}

// JoinMembers joins each member of f to hub under its fleet name, through the same code as
// `flotilla join`, printing a line per member on out; joining again refreshes the credential.
func JoinMembers(ctx context.Context, hub client.Client, f *devfleet.Fleet, out io.Writer) error {
	for _, m := range f.Members {
		if _, err := join.Join(ctx, hub, join.Options{
			Name: m.Name, KubeconfigPath: m.KubeconfigPath, Region: m.Region, Zone: m.Zone,
		}); err != nil {
			return fmt.Errorf("joining %s: %w", m.Name, err)
		}
		fmt.Fprintf(out, "joined %s (%s/%s)\n", m.Name, m.Region, m.Zone)
	}
	return nil
}
