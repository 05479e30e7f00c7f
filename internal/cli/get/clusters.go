package get

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/options"
	"flotilla.dev/flotilla/internal/cli/printers"
	"flotilla.dev/flotilla/internal/platform/scheme"
)

func newClustersCommand(g *options.Global, o *Options) *cobra.Command {
	return &cobra.Command{
		Use:               "clusters [NAME]",
		Aliases:           []string{"cluster", "memberclusters", "membercluster", "mc"},
		Short:             "List the member clusters and their health and capacity",
		Example:           "  flotilla get clusters -o wide",
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: CompleteClusterNames(g),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := printers.ParseFormat(o.Output)
			if err != nil {
				return &options.UsageError{Err: err}
			}
			sel, err := labels.Parse(o.Selector)
			if err != nil {
				return &options.UsageError{Err: fmt.Errorf("-l/--selector %q: %w", o.Selector, err)}
			}
			c, err := g.Client()
			if err != nil {
				return err
			}
			objs, err := listClusters(cmd, c, args, sel)
			if err != nil {
				return err
			}
			return printClusters(g.Out, format, objs, len(args) == 1, o.Clock.Now())
		},
	}
}

func listClusters(cmd *cobra.Command, c client.Client, args []string, sel labels.Selector) ([]client.Object, error) {
	if len(args) == 1 {
		var mc flotillav1alpha1.MemberCluster
		if err := c.Get(cmd.Context(), client.ObjectKey{Name: args[0]}, &mc); err != nil {
			return nil, fmt.Errorf("getting cluster %q: %w", args[0], err)
		}
		return []client.Object{&mc}, nil
	}
	var list flotillav1alpha1.MemberClusterList
	if err := c.List(cmd.Context(), &list, client.MatchingLabelsSelector{Selector: sel}); err != nil {
		return nil, fmt.Errorf("listing clusters: %w", err)
	}
	objs := make([]client.Object, len(list.Items))
	for i := range list.Items {
		objs[i] = &list.Items[i]
	}
	return objs, nil
}

func printClusters(w io.Writer, format printers.Format, objs []client.Object, single bool, now time.Time) error {
	if len(objs) == 0 && (format == printers.Table || format == printers.Wide) {
		_, err := fmt.Fprintln(w, "No clusters joined. Join one with: flotilla join NAME --kubeconfig FILE")
		return err
	}
	p := printers.Printer{Format: format, Scheme: scheme.Scheme, Table: func(objs []client.Object) printers.Rows {
		return ClusterRows(objs, now)
	}}
	return p.Print(w, objs, single)
}

// ClusterRows is the table of MemberClusters: NAME READY VERSION NODES REGION AGE, and with
// -o wide ZONE CPU MEMORY (available) LAST-PROBE.
func ClusterRows(objs []client.Object, now time.Time) printers.Rows {
	rows := printers.Rows{Columns: []printers.Column{
		{Header: "Name"}, {Header: "Ready"}, {Header: "Version"}, {Header: "Nodes"}, {Header: "Region"}, {Header: "Age"},
		{Header: "Zone", Wide: true}, {Header: "CPU", Wide: true}, {Header: "Memory", Wide: true}, {Header: "Last-Probe", Wide: true},
	}}
	for _, o := range objs {
		mc, ok := o.(*flotillav1alpha1.MemberCluster)
		if !ok {
			continue
		}
		st := &mc.Status
		ready := "Unknown"
		if c := meta.FindStatusCondition(st.Conditions, flotillav1alpha1.ConditionReady); c != nil {
			ready = string(c.Status)
		}
		lastProbe := ""
		if st.LastProbeTime != nil {
			lastProbe = printers.Age(*st.LastProbeTime, now) + " ago"
		}
		rows.Cells = append(rows.Cells, []string{
			mc.Name, ready, st.KubernetesVersion, fmt.Sprintf("%d/%d", st.Nodes.Ready, st.Nodes.Total),
			mc.Spec.Region, printers.Age(mc.CreationTimestamp, now),
			mc.Spec.Zone, quantity(st.Resources.Available, corev1.ResourceCPU), quantity(st.Resources.Available, corev1.ResourceMemory), lastProbe,
		})
	}
	return rows
}

func quantity(l corev1.ResourceList, name corev1.ResourceName) string {
	q, ok := l[name]
	if !ok {
		return ""
	}
	return q.String()
}
