package get

import (
	"fmt"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/printers"
)

// resourcePolicies are ResourcePolicies.
var resourcePolicies = kind{
	use:        "resourcepolicies [NAME]",
	aliases:    []string{"resourcepolicy", "rp"},
	short:      "List ResourcePolicies with their mode, Applications, current revision and pods",
	example:    "  flotilla get resourcepolicies\n  flotilla get rp web-tuning -o yaml",
	noun:       "resourcepolicy",
	namespaced: true,
	newObject:  func() client.Object { return &flotillav1alpha1.ResourcePolicy{} },
	newList:    func() client.ObjectList { return &flotillav1alpha1.ResourcePolicyList{} },
	empty:      "No resourcepolicies found. Create one with: flotilla apply -f FILE, FILE holding a ResourcePolicy (see docs/tuning.md)",
	rows:       ResourcePolicyRows,
}

// ResourcePolicyRows is the table of ResourcePolicies: NAME MODE APPLICATIONS REVISION PODS
// UPDATED AGE. APPLICATIONS are those status.applications lists (before the controller's first
// pass: spec.targetRef's name); REVISION is status.currentRevision, <none> before the first.
func ResourcePolicyRows(objs []client.Object, now time.Time) printers.Rows {
	rows := printers.Rows{Columns: []printers.Column{
		{Header: "Name"}, {Header: "Mode"}, {Header: "Applications"}, {Header: "Revision"}, {Header: "Pods"}, {Header: "Updated"}, {Header: "Age"},
	}}
	for _, o := range objs {
		p, ok := o.(*flotillav1alpha1.ResourcePolicy)
		if !ok {
			continue
		}
		st := &p.Status
		mode := string(p.Spec.Mode)
		if mode == "" {
			mode = string(flotillav1alpha1.TuningRecommend)
		}
		apps := strings.Join(st.Applications, ",")
		if apps == "" && p.Spec.TargetRef != nil {
			apps = p.Spec.TargetRef.Name
		}
		revision := ""
		if st.CurrentRevision > 0 {
			revision = fmt.Sprint(st.CurrentRevision)
		}
		rows.Cells = append(rows.Cells, []string{p.Name, mode, apps, revision, fmt.Sprint(st.Pods.Total), fmt.Sprint(st.Pods.Updated),
			printers.Age(p.CreationTimestamp, now)})
	}
	return rows
}
