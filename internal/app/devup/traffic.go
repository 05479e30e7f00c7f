package devup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"flotilla.dev/flotilla/internal/devfleet"
	"flotilla.dev/flotilla/internal/devfleet/traffic"
)

// TrafficComponent is the name of the sample traffic generator process in the fleet.
const TrafficComponent = traffic.Component

// Jobs of the fleet's Prometheus, the job label of what it scrapes.
const (
	JobTraffic    = "flotilla-traffic"
	JobController = "flotilla-controller"
)

// ensureTraffic starts the sample traffic and Prometheus, or removes them when o.SkipTraffic.
// Prometheus' address is known from here on (f.PrometheusURL), before the controller starts.
func ensureTraffic(ctx context.Context, f *devfleet.Fleet, o Options) error {
	if o.SkipTraffic {
		return stopTraffic(ctx, f, o.Out)
	}
	return startTraffic(ctx, f, o.Out)
}

// startTraffic runs `flotilla dev traffic` as a process of the fleet: it simulates requests to
// the members' pods and serves their metrics. Then it runs Prometheus as another, unless the
// prometheus executable is missing: then it says so in one line and carries on.
func startTraffic(ctx context.Context, f *devfleet.Fleet, out io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the flotilla executable to run the sample traffic: %w", err)
	}
	home := f.Home
	err = f.EnsureHubProcess(ctx, devfleet.HubProcess{
		Name:   TrafficComponent,
		Binary: self,
		Args: func(health, metrics int, _ ...int) []string {
			return []string{
				"dev", "traffic", "--home", home,
				"--health-bind-address", "127.0.0.1:" + strconv.Itoa(health),
				"--metrics-bind-address", "127.0.0.1:" + strconv.Itoa(metrics),
			}
		},
	})
	if err != nil {
		return fmt.Errorf("starting the sample traffic: %w", err)
	}
	fmt.Fprintln(out, "the sample traffic generator is running")
	bin, err := devfleet.PrometheusBinary()
	if errors.Is(err, devfleet.ErrNoPrometheus) {
		fmt.Fprintln(out, "PromQL analysis is unavailable: prometheus is not installed (apt-get install prometheus, then 'flotilla dev up' again)")
		return f.RemoveHubProcess(ctx, devfleet.ComponentPrometheus)
	}
	if err != nil {
		return err
	}
	if err := f.EnsurePrometheus(ctx, bin); err != nil {
		return fmt.Errorf("starting Prometheus: %w", err)
	}
	fmt.Fprintf(out, "Prometheus is running at %s\n", f.PrometheusURL())
	return nil
}

// stopTraffic removes the sample traffic generator and Prometheus from the fleet.
func stopTraffic(ctx context.Context, f *devfleet.Fleet, out io.Writer) error {
	for _, name := range []string{devfleet.ComponentPrometheus, TrafficComponent} {
		if _, ok := f.Hub.Component(name); !ok {
			continue
		}
		if err := f.RemoveHubProcess(ctx, name); err != nil {
			return err
		}
		fmt.Fprintf(out, "removed %s from the fleet (--traffic=false)\n", name)
	}
	return nil
}

// setScrapeTargets points the fleet's Prometheus, when it has one, at the metrics ports of the
// traffic generator and the hub controller.
func setScrapeTargets(f *devfleet.Fleet) error {
	if f.PrometheusURL() == "" {
		return nil
	}
	return f.SetScrapeTargets(ScrapeTargets(f.Hub))
}

// ScrapeTargets are the metrics endpoints of the Flotilla processes the hub runs (the sample
// traffic generator and the controller, each when it is there): the second port of each (see
// devfleet.HubProcess).
func ScrapeTargets(hub devfleet.Cluster) []devfleet.ScrapeTarget {
	var out []devfleet.ScrapeTarget
	for _, t := range []struct{ component, job string }{{TrafficComponent, JobTraffic}, {ControllerComponent, JobController}} {
		if comp, ok := hub.Component(t.component); ok && len(comp.Ports) > 1 {
			out = append(out, devfleet.ScrapeTarget{Job: t.job, Address: "127.0.0.1:" + strconv.Itoa(comp.Ports[1])})
		}
	}
	return out
}
