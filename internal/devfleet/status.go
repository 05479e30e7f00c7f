package devfleet

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ComponentStatus is what Status observed of one process.
type ComponentStatus struct {
	Cluster   string
	Component string
	// PID is 0 when the process is not running.
	PID  int
	Port int
	// Healthy means the health endpoint answered 200 OK; Detail says why not.
	Healthy bool
	Detail  string
	LogPath string
}

// Status probes every process of the fleet, in the order hub, member-1..N, components in start
// order.
func (f *Fleet) Status(ctx context.Context) []ComponentStatus {
	var out []ComponentStatus
	for _, c := range f.Clusters() {
		for _, comp := range c.Components {
			out = append(out, ComponentStatus{Cluster: c.Name, Component: comp.Name, Port: comp.Port, LogPath: comp.LogPath})
		}
	}
	var wg sync.WaitGroup
	i := 0
	for _, c := range f.Clusters() {
		hc, hcErr := healthClient(c)
		for _, comp := range c.Components {
			st := &out[i]
			i++
			wg.Go(func() {
				st.PID = running(comp)
				switch {
				case st.PID == 0:
					st.Detail = "not running"
				case hcErr != nil:
					st.Detail = hcErr.Error()
				default:
					ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
					defer cancel()
					if err := probe(ctx, hc, comp); err != nil {
						st.Detail = err.Error()
					} else {
						st.Healthy = true
					}
				}
			})
		}
	}
	wg.Wait()
	return out
}

// Healthy returns nil when every process of the fleet runs and is healthy, else an error
// naming each one that is not.
func (f *Fleet) Healthy(ctx context.Context) error {
	var errs []error
	for _, st := range f.Status(ctx) {
		if !st.Healthy {
			errs = append(errs, fmt.Errorf("%s %s: %s (log %s)", st.Cluster, st.Component, st.Detail, st.LogPath))
		}
	}
	return errors.Join(errs...)
}
