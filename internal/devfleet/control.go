package devfleet

import (
	"context"
	"fmt"
)

func (f *Fleet) component(cluster, component string) (Cluster, Component, error) {
	c, err := f.Cluster(cluster)
	if err != nil {
		return Cluster{}, Component{}, err
	}
	comp, ok := c.Component(component)
	if !ok {
		names := make([]string, 0, len(c.Components))
		for _, cc := range c.Components {
			names = append(names, cc.Name)
		}
		return Cluster{}, Component{}, fmt.Errorf("cluster %s has no component %q (it has %v)", cluster, component, names)
	}
	return c, comp, nil
}

// StopComponent stops one process of the fleet (for fault tests), e.g. member-2's
// kube-apiserver: SIGTERM, then SIGKILL after a grace period. Its data and port stay reserved
// for StartComponent. Stopping a stopped component does nothing.
func (f *Fleet) StopComponent(ctx context.Context, cluster, component string) error {
	_, comp, err := f.component(cluster, component)
	if err != nil {
		return err
	}
	return stopProcess(ctx, f.clock, comp, stopGrace)
}

// StartComponent starts a stopped process again with the same arguments, port and data, and
// waits until it is healthy. Starting a running component only waits for its health.
func (f *Fleet) StartComponent(ctx context.Context, cluster, component string) error {
	c, comp, err := f.component(cluster, component)
	if err != nil {
		return err
	}
	if err := f.ensureRunning(c, comp); err != nil {
		return err
	}
	return f.waitHealthy(ctx, c, comp)
}
