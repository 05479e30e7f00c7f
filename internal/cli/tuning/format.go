package tuning

import (
	"fmt"
	"math"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// noChange is the CHANGES cell of a revision that changed none of the Application's containers.
const noChange = "no change"

// tunedValue is one value a ResourcePolicy tunes: a resource's request or limit.
type tunedValue struct {
	resource corev1.ResourceName
	limit    bool
	// short is its name in a summary of changes, long in a table.
	short, long string
}

// tunedValues are the tuned values in the order they are shown.
var tunedValues = []tunedValue{
	{resource: corev1.ResourceCPU, short: "cpu req", long: "cpu request"},
	{resource: corev1.ResourceCPU, limit: true, short: "cpu lim", long: "cpu limit"},
	{resource: corev1.ResourceMemory, short: "mem req", long: "memory request"},
	{resource: corev1.ResourceMemory, limit: true, short: "mem lim", long: "memory limit"},
}

// get returns v of rr and whether rr sets it.
func (v tunedValue) get(rr corev1.ResourceRequirements) (resource.Quantity, bool) {
	list := rr.Requests
	if v.limit {
		list = rr.Limits
	}
	q, ok := list[v.resource]
	return q, ok
}

// quantity prints a value, "unset" when it is not set.
func quantity(q resource.Quantity, ok bool) string {
	if !ok {
		return "unset"
	}
	return q.String()
}

// same tells whether v is the same in a and b: unset in both, or set to equal quantities.
func (v tunedValue) same(a, b corev1.ResourceRequirements) bool {
	qa, okA := v.get(a)
	qb, okB := v.get(b)
	if okA != okB {
		return false
	}
	return !okA || qa.Cmp(qb) == 0
}

// ValueChanges lists the tuned values (CPU and memory requests and limits) that differ between
// before and after, in the order cpu req, cpu lim, mem req, mem lim: "cpu req 500m→250m".
func ValueChanges(before, after corev1.ResourceRequirements) []string {
	var out []string
	for _, v := range tunedValues {
		if v.same(before, after) {
			continue
		}
		qb, okB := v.get(before)
		qa, okA := v.get(after)
		out = append(out, fmt.Sprintf("%s %s→%s", v.short, quantity(qb, okB), quantity(qa, okA)))
	}
	return out
}

// Changes sums up what rev changed in the containers of the Application app, in the order of
// rev: "web: cpu req 500m→250m, mem lim 512Mi→384Mi; sidecar: cpu lim 1→2". Containers whose
// tuned values did not change are left out; "no change" when none changed.
func Changes(rev *flotillav1alpha1.TuningRevision, app string) string {
	var parts []string
	for _, c := range rev.Containers {
		if c.Application != app {
			continue
		}
		if ch := ValueChanges(c.Before, c.After); len(ch) > 0 {
			parts = append(parts, c.Container+": "+strings.Join(ch, ", "))
		}
	}
	if len(parts) == 0 {
		return noChange
	}
	return strings.Join(parts, "; ")
}

// Percent is the change from a to b in whole percent, signed ("-50%", "+20%"); "" when they
// are the same, "new" when only b is set, "removed" when only a is, "?" when a is zero.
func Percent(a resource.Quantity, okA bool, b resource.Quantity, okB bool) string {
	switch {
	case !okA && !okB:
		return ""
	case !okA:
		return "new"
	case !okB:
		return "removed"
	case a.Cmp(b) == 0:
		return ""
	case a.IsZero():
		return "?"
	}
	pct := math.Round((b.AsApproximateFloat64()/a.AsApproximateFloat64() - 1) * 100)
	return fmt.Sprintf("%+.0f%%", pct)
}

// historyRange says which revisions p's history holds: "it holds 3 to 12", "it is empty".
func historyRange(p *flotillav1alpha1.ResourcePolicy) string {
	h := p.Status.History
	switch len(h) {
	case 0:
		return "it is empty"
	case 1:
		return fmt.Sprintf("it holds only %d", h[0].Revision)
	}
	return fmt.Sprintf("it holds %d to %d", h[0].Revision, h[len(h)-1].Revision)
}

// revisionOf returns the revision numbered n in p's history, or nil.
func revisionOf(p *flotillav1alpha1.ResourcePolicy, n int64) *flotillav1alpha1.TuningRevision {
	for i := range p.Status.History {
		if p.Status.History[i].Revision == n {
			return &p.Status.History[i]
		}
	}
	return nil
}

// orNone is s, or "<none>" when it is empty.
func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}
