package get

import (
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/printers"
)

// apps are Applications.
var apps = kind{
	use:        "apps [NAME]",
	aliases:    []string{"app", "applications", "application"},
	short:      "List Applications with their replicas across the fleet",
	example:    "  flotilla get apps -A\n  flotilla get apps shop -o wide",
	noun:       "application",
	namespaced: true,
	newObject:  func() client.Object { return &flotillav1alpha1.Application{} },
	newList:    func() client.ObjectList { return &flotillav1alpha1.ApplicationList{} },
	empty:      "No applications found. Create one with: flotilla apply -f examples/sample-app.yaml",
	rows:       AppRows,
}

// AppRows is the table of Applications: NAME READY AVAILABLE CLUSTERS REVISION AGE, and with
// -o wide DISTRIBUTION (per cluster ready/desired, e.g. member-1=3/3,member-2=2/2) and MESSAGE
// (the first condition that is not as it should be).
func AppRows(objs []client.Object, now time.Time) printers.Rows {
	rows := printers.Rows{Columns: []printers.Column{
		{Header: "Name"}, {Header: "Ready"}, {Header: "Available"}, {Header: "Clusters"}, {Header: "Revision"}, {Header: "Age"},
		{Header: "Distribution", Wide: true}, {Header: "Message", Wide: true},
	}}
	for _, o := range objs {
		app, ok := o.(*flotillav1alpha1.Application)
		if !ok {
			continue
		}
		st := &app.Status
		available := "Unknown"
		if c := meta.FindStatusCondition(st.Conditions, flotillav1alpha1.ConditionAvailable); c != nil {
			available = string(c.Status)
		}
		rows.Cells = append(rows.Cells, []string{app.Name, fmt.Sprintf("%d/%d", st.ReadyReplicas, st.Replicas), available,
			fmt.Sprint(placedCount(st.Clusters)), st.CurrentRevision, printers.Age(app.CreationTimestamp, now),
			Distribution(st.Clusters), problem(st)})
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
