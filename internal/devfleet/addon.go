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
	// Args builds the arguments from two free ports on 127.0.0.1: one for the plain-HTTP health
	// endpoint (/readyz is probed) and one for metrics.
	Args func(healthPort, metricsPort int) []string
}

// EnsureHubProcess records p as a component of the hub (so `dev status` shows it and `dev down`
// stops it), starts it unless it already runs, and waits until its /readyz answers. A process
// recorded earlier keeps its ports and arguments.
func (f *Fleet) EnsureHubProcess(ctx context.Context, p HubProcess) error {
	comp, ok := f.Hub.Component(p.Name)
	if !ok || comp.Binary != p.Binary {
		ports, err := freePorts(2)
		if err != nil {
			return err
		}
		comp = Component{
			Name: p.Name, Binary: p.Binary, Args: p.Args(ports[0], ports[1]),
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
