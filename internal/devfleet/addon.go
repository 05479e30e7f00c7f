package devfleet

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
)

// HubProcess is a process of Flotilla's own that runs beside the hub, e.g. `flotilla controller`.
type HubProcess struct {
	// Name of the component, e.g. "flotilla-controller".
	Name string
	// Binary is the absolute path of the executable.
	Binary string
	// HealthPath is the plain-HTTP path probed on the health port until it answers 200 OK; ""
	// means /readyz.
	HealthPath string
	// SharedPort gives the process one port for health and metrics (Prometheus serves both on
	// its web port): Args gets it as healthPort and as metricsPort.
	SharedPort bool
	// ExtraPorts is how many more free ports the process needs, e.g. one for a webhook server.
	// They follow the health and metrics ports in Component.Ports.
	ExtraPorts int
	// Args builds the arguments from free ports on 127.0.0.1: one for the plain-HTTP health
	// endpoint, one for metrics (the same one with SharedPort) and ExtraPorts more.
	Args func(healthPort, metricsPort int, extraPorts ...int) []string
}

// portCount is how many ports p listens on.
func (p HubProcess) portCount() int {
	if p.SharedPort {
		return 1 + p.ExtraPorts
	}
	return 2 + p.ExtraPorts
}

// args builds p's arguments from its portCount ports, in Component.Ports order.
func (p HubProcess) args(ports []int) []string {
	health, rest := ports[0], ports[1:]
	metrics := health
	if !p.SharedPort && len(rest) > 0 {
		metrics, rest = rest[0], rest[1:]
	}
	return p.Args(health, metrics, rest...)
}

func (p HubProcess) healthPath() string {
	if p.HealthPath == "" {
		return "/readyz"
	}
	return p.HealthPath
}

// EnsureHubProcess records p as a component of the hub (so `dev status` shows it and `dev down`
// stops it), starts it unless it already runs, and waits until its /readyz answers. A process
// recorded earlier keeps its ports and arguments, unless its binary or number of ports changed:
// then it is stopped and recorded again with new ports.
func (f *Fleet) EnsureHubProcess(ctx context.Context, p HubProcess) error {
	comp, ok := f.Hub.Component(p.Name)
	if !ok || comp.Binary != p.Binary || len(comp.Ports) != p.portCount() {
		if ok {
			if err := stopProcess(ctx, f.clock, comp, stopGrace); err != nil {
				return fmt.Errorf("stopping the outdated %s: %w", p.Name, err)
			}
		}
		ports, err := freePorts(p.portCount())
		if err != nil {
			return err
		}
		comp = Component{
			Name: p.Name, Binary: p.Binary, Args: p.args(ports),
			Port: ports[0], Ports: ports, HealthURL: url("http", ports[0], p.healthPath()),
			LogPath: filepath.Join(f.Hub.Dir, "logs", p.Name+".log"),
			PIDPath: filepath.Join(f.Hub.Dir, "run", p.Name+".pid"),
		}
		f.Hub.Components = replaceComponent(f.Hub.Components, comp)
		if err := f.save(); err != nil {
			return fmt.Errorf("recording %s in the fleet state: %w", p.Name, err)
		}
	}
	if err := f.ensureRunning(f.Hub, comp); err != nil {
		return err
	}
	return f.waitHealthy(ctx, f.Hub, comp)
}

// RemoveHubProcess stops the named process of the hub and drops it from the fleet's state, so
// that `dev status` no longer lists it and `dev up` no longer restarts it. Removing a process
// the hub does not run does nothing; the hub's own Kubernetes components cannot be removed.
func (f *Fleet) RemoveHubProcess(ctx context.Context, name string) error {
	comp, ok := f.Hub.Component(name)
	if !ok {
		return nil
	}
	if slices.Contains([]string{ComponentEtcd, ComponentAPIServer, ComponentControllerManager}, name) {
		return fmt.Errorf("%s is one of the hub's Kubernetes components, not a process that can be removed", name)
	}
	if err := stopProcess(ctx, f.clock, comp, stopGrace); err != nil {
		return fmt.Errorf("stopping %s: %w", name, err)
	}
	f.Hub.Components = slices.DeleteFunc(f.Hub.Components, func(c Component) bool { return c.Name == name })
	return f.save()
}

// replaceComponent returns comps with the component of comp's name replaced, or comp appended.
func replaceComponent(comps []Component, comp Component) []Component {
	for i := range comps {
		if comps[i].Name == comp.Name {
			comps[i] = comp
			return comps
		}
	}
	return append(comps, comp)
}
