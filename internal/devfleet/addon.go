package devfleet

import (
	"context"
	"fmt"
	"path/filepath"
)

// HubProcess is a process of Flotilla's own that runs beside the hub, e.g. `flotilla controller`.
type HubProcess struct {
	// Name of the component, e.g. "flotilla-controller".
	Name string
	// Binary is the absolute path of the executable.
	Binary string
	// ExtraPorts is how many more free ports the process needs, e.g. one for a webhook server.
	// They follow the health and metrics ports in Component.Ports.
	ExtraPorts int
	// Args builds the arguments from free ports on 127.0.0.1: one for the plain-HTTP health
	// endpoint (/readyz is probed), one for metrics and ExtraPorts more.
	Args func(healthPort, metricsPort int, extraPorts ...int) []string
}

// EnsureHubProcess records p as a component of the hub (so `dev status` shows it and `dev down`
// stops it), starts it unless it already runs, and waits until its /readyz answers. A process
// recorded earlier keeps its ports and arguments, unless its binary or number of ports changed:
// then it is stopped and recorded again with new ports.
func (f *Fleet) EnsureHubProcess(ctx context.Context, p HubProcess) error {
	comp, ok := f.Hub.Component(p.Name)
	if !ok || comp.Binary != p.Binary || len(comp.Ports) != 2+p.ExtraPorts {
		if ok {
			if err := stopProcess(ctx, f.clock, comp, stopGrace); err != nil {
				return fmt.Errorf("stopping the outdated %s: %w", p.Name, err)
			}
		}
		ports, err := freePorts(2 + p.ExtraPorts)
		if err != nil {
			return err
		}
		comp = Component{
			Name: p.Name, Binary: p.Binary, Args: p.Args(ports[0], ports[1], ports[2:]...),
			Port: ports[0], Ports: ports, HealthURL: url("http", ports[0], "/readyz"),
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
