package clusterselector

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"flotilla.dev/flotilla/internal/scheduling/framework"
)

// Name is the plugin's registry name.
const Name = "ClusterSelector"

// Plugin filters clusters by spec.placement.clusterSelector.
type Plugin struct{}

var (
	_ framework.PreFilterPlugin = (*Plugin)(nil)
	_ framework.FilterPlugin    = (*Plugin)(nil)
)

// New is the plugin's framework.Factory; it takes no arguments.
func New(args any) (framework.Plugin, error) {
	if args != nil {
		return nil, fmt.Errorf("%s takes no arguments, got %T", Name, args)
	}
	return &Plugin{}, nil
}

// Name implements framework.Plugin.
func (*Plugin) Name() string { return Name }

// Selector parses a placement cluster selector; nil selects every cluster. The error names
// the field.
func Selector(s *metav1.LabelSelector, field string) (labels.Selector, error) {
	if s == nil {
		return labels.Everything(), nil
	}
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid label selector: %w; fix the key, operator or values", field, err)
	}
	return sel, nil
}

// PreFilter parses the selector once per cycle; an invalid selector fails the cycle.
func (*Plugin) PreFilter(state *framework.CycleState, w *framework.Workload) error {
	var s *metav1.LabelSelector
	if w.Placement != nil {
		s = w.Placement.ClusterSelector
	}
	sel, err := Selector(s, "spec.placement.clusterSelector")
	if err != nil {
		return err
	}
	state.Write(Name, sel)
	return nil
}

// Filter lets a cluster through when its labels match the selector.
func (p *Plugin) Filter(state *framework.CycleState, w *framework.Workload, c *framework.Cluster) framework.FilterResult {
	sel, ok := state.Read(Name).(labels.Selector)
	if !ok {
		if err := p.PreFilter(state, w); err != nil {
			return framework.Unfit("%v", err)
		}
		sel, _ = state.Read(Name).(labels.Selector)
	}
	if sel.Matches(labels.Set(c.Labels)) {
		return framework.Fit()
	}
	return framework.Unfit("labels do not match spec.placement.clusterSelector %q", sel.String())
}
