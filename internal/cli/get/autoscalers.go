package get

import (
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/printers"
)

// lastScaleReasonWidth is how many characters of status.lastScaleReason the wide table shows.
const lastScaleReasonWidth = 60

// autoscalers are FleetAutoscalers.
var autoscalers = kind{
	use:        "autoscalers [NAME]",
	aliases:    []string{"autoscaler", "fa", "fleetautoscalers", "fleetautoscaler"},
	short:      "List FleetAutoscalers with their bounds, replicas and active schedules",
	example:    "  flotilla get autoscalers -A\n  flotilla get fa web -o wide",
	noun:       "autoscaler",
	namespaced: true,
	newObject:  func() client.Object { return &flotillav1alpha1.FleetAutoscaler{} },
	newList:    func() client.ObjectList { return &flotillav1alpha1.FleetAutoscalerList{} },
	empty:      "No autoscalers found. Create one with: flotilla apply -f FILE, FILE holding a FleetAutoscaler (see docs/autoscaling.md)",
	rows:       AutoscalerRows,
}

// AutoscalerRows is the table of FleetAutoscalers: NAME TARGET MIN MAX CURRENT DESIRED
// ACTIVE-SCHEDULES AGE, and with -o wide METRICS (name=value of each metric, "?" for a value
// that could not be read), LAST-SCALE (how long ago and why, the reason cut after a word to at
// most 60 characters) and the reasons of the ScalingActive and ScalingLimited conditions. MIN
// and MAX are the bounds in force (after schedules); before the autoscaler's first evaluation
// they are the spec's, and CURRENT and DESIRED are <unknown>.
func AutoscalerRows(objs []client.Object, now time.Time) printers.Rows {
	rows := printers.Rows{Columns: []printers.Column{
		{Header: "Name"}, {Header: "Target"}, {Header: "Min"}, {Header: "Max"}, {Header: "Current"}, {Header: "Desired"},
		{Header: "Active-Schedules"}, {Header: "Age"},
		{Header: "Metrics", Wide: true}, {Header: "Last-Scale", Wide: true},
		{Header: "Scaling-Active", Wide: true}, {Header: "Scaling-Limited", Wide: true},
	}}
	for _, o := range objs {
		fa, ok := o.(*flotillav1alpha1.FleetAutoscaler)
		if !ok {
			continue
		}
		st := &fa.Status
		minReplicas, maxReplicas, current, desired := bounds(fa)
		rows.Cells = append(rows.Cells, []string{fa.Name, fa.Spec.TargetRef.Name, minReplicas, maxReplicas, current, desired,
			strings.Join(st.ActiveSchedules, ","), printers.Age(fa.CreationTimestamp, now),
			metricValues(st.CurrentMetrics), lastScale(st, now),
			conditionReason(st.Conditions, flotillav1alpha1.ConditionScalingActive),
			conditionReason(st.Conditions, flotillav1alpha1.ConditionScalingLimited)})
	}
	return rows
}

// bounds are the MIN, MAX, CURRENT and DESIRED cells. status.maxReplicas is at least 1 once
// the autoscaler has evaluated; until then the spec's bounds are shown and the counts unknown.
func bounds(fa *flotillav1alpha1.FleetAutoscaler) (minReplicas, maxReplicas, current, desired string) {
	st := &fa.Status
	if st.MaxReplicas == 0 {
		minReplicas = "1"
		if fa.Spec.MinReplicas != nil {
			minReplicas = fmt.Sprint(*fa.Spec.MinReplicas)
		}
		return minReplicas, fmt.Sprint(fa.Spec.MaxReplicas), "<unknown>", "<unknown>"
	}
	return fmt.Sprint(st.MinReplicas), fmt.Sprint(st.MaxReplicas), fmt.Sprint(st.CurrentReplicas), fmt.Sprint(st.DesiredReplicas)
}

// metricValues is "name=value,..." of the latest metrics, with "?" for a value not read.
func metricValues(metrics []flotillav1alpha1.ScalingMetricStatus) string {
	parts := make([]string, 0, len(metrics))
	for _, m := range metrics {
		v := m.Value
		if v == "" {
			v = "?"
		}
		parts = append(parts, m.Name+"="+v)
	}
	return strings.Join(parts, ",")
}

// lastScale is "3m ago: <reason>", the reason on one line and cut to lastScaleReasonWidth.
func lastScale(st *flotillav1alpha1.FleetAutoscalerStatus, now time.Time) string {
	if st.LastScaleTime == nil {
		return ""
	}
	ago := printers.Age(*st.LastScaleTime, now) + " ago"
	reason := strings.Join(strings.Fields(st.LastScaleReason), " ")
	if reason == "" {
		return ago
	}
	return ago + ": " + truncate(reason, lastScaleReasonWidth)
}

// truncate cuts s to at most n characters, the last of them "...", when it is longer: after
// the last whole word that fits, or inside a word longer than half of n.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n-3])
	if i := strings.LastIndexByte(cut, ' '); i >= 0 && len([]rune(cut[:i])) > n/2 {
		cut = cut[:i]
	}
	return cut + "..."
}

// conditionReason is the reason of the condition of type t, or "" when it is not set.
func conditionReason(conditions []metav1.Condition, t string) string {
	if c := meta.FindStatusCondition(conditions, t); c != nil {
		return c.Reason
	}
	return ""
}
