package scheduling

import (
	"flotilla.dev/flotilla/internal/scheduling/framework"
)

// Scheduler schedules with a configured set of plugins. It is immutable and safe for
// concurrent use.
type Scheduler struct {
	fw *framework.Framework
}

// New builds a Scheduler from a plugin registry and the plugins to enable, in filter order.
func New(registry framework.Registry, plugins []framework.PluginConfig) (*Scheduler, error) {
	fw, err := framework.New(registry, plugins)
	if err != nil {
		return nil, err
	}
	return &Scheduler{fw: fw}, nil
}

// Schedule places the workload; see the package function Schedule.
func (s *Scheduler) Schedule(in Input) (Decision, error) {
	return Decision{}, nil // TODO: implemented in the next commit
}
