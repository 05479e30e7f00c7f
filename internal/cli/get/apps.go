package get

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/options"
	"flotilla.dev/flotilla/internal/cli/printers"
	"flotilla.dev/flotilla/internal/platform/scheme"
)

func newAppsCommand(g *options.Global, o *Options) *cobra.Command {
	return &cobra.Command{
		Use:     "apps [NAME]",
		Aliases: []string{"app", "applications", "application"},
		Short:   "List Applications with their replicas across the fleet",
		Example: "  flotilla get apps -A\n  flotilla get apps shop -o wide",
		Args:    cobra.MaximumNArgs(1),
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
			ns := ""
			if !g.AllNamespaces || len(args) == 1 {
				if ns, err = g.EffectiveNamespace(); err != nil {
					return err
				}
			}
			objs, err := listApps(cmd, c, ns, args, sel)
			if err != nil {
				return err
			}
			return printApps(g.Out, format, objs, len(args) == 1, ns == "", o.Clock.Now())
		},
	}
}

func listApps(cmd *cobra.Command, c client.Client, ns string, args []string, sel labels.Selector) ([]client.Object, error) {
	if len(args) == 1 {
		var app flotillav1alpha1.Application
		if err := c.Get(cmd.Context(), client.ObjectKey{Namespace: ns, Name: args[0]}, &app); err != nil {
			return nil, fmt.Errorf("getting application %s/%s: %w", ns, args[0], err)
		}
		return []client.Object{&app}, nil
	}
	var list flotillav1alpha1.ApplicationList
	if err := c.List(cmd.Context(), &list, client.InNamespace(ns), client.MatchingLabelsSelector{Selector: sel}); err != nil {
		return nil, fmt.Errorf("listing applications: %w", err)
	}
	objs := make([]client.Object, len(list.Items))
	for i := range list.Items {
		objs[i] = &list.Items[i]
	}
	return objs, nil
}

func printApps(w io.Writer, format printers.Format, objs []client.Object, single, allNamespaces bool, now time.Time) error {
	if len(objs) == 0 && (format == printers.Table || format == printers.Wide) {
		_, err := fmt.Fprintln(w, "No applications found. Create one with: flotilla apply -f examples/sample-app.yaml")
		return err
	}
	p := printers.Printer{Format: format, Scheme: scheme.Scheme, Table: func(objs []client.Object) printers.Rows {
		return AppRows(objs, allNamespaces, now)
	}}
	return p.Print(w, objs, single)
}

// AppRows is the table of Applications: [NAMESPACE] NAME READY AVAILABLE CLUSTERS REVISION AGE,
// and with -o wide DISTRIBUTION (per cluster ready/desired, e.g. member-1=3/3,member-2=2/2) and
// MESSAGE (the first condition that is not as it should be).
func AppRows(objs []client.Object, allNamespaces bool, now time.Time) printers.Rows {
	var cols []printers.Column
	if allNamespaces {
		cols = append(cols, printers.Column{Header: "Namespace"})
	}
	cols = append(cols, printers.Column{Header: "Name"}, printers.Column{Header: "Ready"}, printers.Column{Header: "Available"},
		printers.Column{Header: "Clusters"}, printers.Column{Header: "Revision"}, printers.Column{Header: "Age"},
		printers.Column{Header: "Distribution", Wide: true}, printers.Column{Header: "Message", Wide: true})
	rows := printers.Rows{Columns: cols}
	for _, o := range objs {
		app, ok := o.(*flotillav1alpha1.Application)
		if !ok {
			continue
		}
		st := &app.Status
		var cells []string
		if allNamespaces {
			cells = append(cells, app.Namespace)
		}
		available := "Unknown"
		if c := meta.FindStatusCondition(st.Conditions, flotillav1alpha1.ConditionAvailable); c != nil {
			available = string(c.Status)
		}
		cells = append(cells, app.Name, fmt.Sprintf("%d/%d", st.ReadyReplicas, st.Replicas), available,
			fmt.Sprint(placedCount(st.Clusters)), st.CurrentRevision, printers.Age(app.CreationTimestamp, now),
			Distribution(st.Clusters), problem(st))
		rows.Cells = append(rows.Cells, cells)
	}
	return rows
}

// Distribution is the per-cluster ready/desired list: "member-1=3/3,member-2=2/2". A cluster
// that cannot be reached shows "?" ready; one being removed shows "removing".
func Distribution(clusters []flotillav1alpha1.ClusterStatus) string {
	parts := make([]string, 0, len(clusters))
	for _, c := range clusters {
		switch {
		case c.Reason == "Removing":
			parts = append(parts, c.Name+"=removing")
		case c.Reachable == "False":
			parts = append(parts, fmt.Sprintf("%s=?/%d", c.Name, c.Replicas))
		default:
			parts = append(parts, fmt.Sprintf("%s=%d/%d", c.Name, c.ReadyReplicas, c.Replicas))
		}
	}
	return strings.Join(parts, ",")
}

func placedCount(clusters []flotillav1alpha1.ClusterStatus) int {
	n := 0
	for _, c := range clusters {
		if c.Reason != "Removing" {
			n++
		}
	}
	return n
}

// problem is the message of the first condition that is not in its good state.
func problem(st *flotillav1alpha1.ApplicationStatus) string {
	good := map[string]string{
		flotillav1alpha1.ConditionScheduled: "True", flotillav1alpha1.ConditionApplied: "True",
		flotillav1alpha1.ConditionAvailable: "True", flotillav1alpha1.ConditionProgressing: "False",
	}
	for _, t := range []string{flotillav1alpha1.ConditionScheduled, flotillav1alpha1.ConditionApplied,
		flotillav1alpha1.ConditionAvailable, flotillav1alpha1.ConditionProgressing} {
		if c := meta.FindStatusCondition(st.Conditions, t); c != nil && string(c.Status) != good[t] {
			return t + ": " + c.Message
		}
	}
	return ""
}
