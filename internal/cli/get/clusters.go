package get

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/printers"
)

// clusters are the MemberClusters of the fleet.
var clusters = kind{
	use:       "clusters [NAME]",
	aliases:   []string{"cluster", "memberclusters", "membercluster", "mc"},
	short:     "List the member clusters and their health and capacity",
	example:   "  flotilla get clusters -o wide",
	noun:      "cluster",
	newObject: func() client.Object { return &flotillav1alpha1.MemberCluster{} },
	newList:   func() client.ObjectList { return &flotillav1alpha1.MemberClusterList{} },
	empty:     "No clusters joined. Join one with: flotilla join NAME --kubeconfig FILE",
	rows:      ClusterRows,
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
