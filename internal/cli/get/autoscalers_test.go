package get

import (
	"bytes"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/printers"
)

func TestAutoscalersTable(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	evaluated := &flotillav1alpha1.FleetAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "web", CreationTimestamp: metav1.NewTime(now.Add(-2 * time.Hour))},
		Spec:       flotillav1alpha1.FleetAutoscalerSpec{TargetRef: flotillav1alpha1.ApplicationReference{Name: "web"}, MinReplicas: ptr.To[int32](2), MaxReplicas: 20},
		Status: flotillav1alpha1.FleetAutoscalerStatus{
			CurrentReplicas: 8, DesiredReplicas: 10, MinReplicas: 4, MaxReplicas: 20,
			ActiveSchedules: []string{"evening", "sale"},
			LastScaleTime:   &metav1.Time{Time: now.Add(-3 * time.Minute)},
			LastScaleReason: "metric rps recommends 10 replicas:\n240 requests per second over a target of 25 per replica",
			CurrentMetrics: []flotillav1alpha1.ScalingMetricStatus{
				{Name: "rps", Value: "240", Replicas: 10}, {Name: "cpu", Message: "no pods report usage"},
			},
			Conditions: []metav1.Condition{
				{Type: flotillav1alpha1.ConditionAbleToScale, Status: metav1.ConditionTrue, Reason: "ReadyForNewScale"},
				{Type: flotillav1alpha1.ConditionScalingActive, Status: metav1.ConditionTrue, Reason: "ValidMetricFound"},
				{Type: flotillav1alpha1.ConditionScalingLimited, Status: metav1.ConditionFalse, Reason: "DesiredWithinRange"},
			},
		},
	}
	fresh := &flotillav1alpha1.FleetAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "api", CreationTimestamp: metav1.NewTime(now.Add(-time.Second))},
		Spec:       flotillav1alpha1.FleetAutoscalerSpec{TargetRef: flotillav1alpha1.ApplicationReference{Name: "api"}, MaxReplicas: 5},
	}
	objs := []client.Object{evaluated, fresh}
	tests := []struct {
		format        printers.Format
		allNamespaces bool
		want          string
	}{
		{printers.Table, false, `NAME   TARGET   MIN   MAX   CURRENT     DESIRED     ACTIVE-SCHEDULES   AGE
web    web      4     20    8           10          evening,sale       120m
api    api      1     5     <unknown>   <unknown>   <none>             1s
`},
		{printers.Table, true, `NAMESPACE   NAME   TARGET   MIN   MAX   CURRENT     DESIRED     ACTIVE-SCHEDULES   AGE
team-a      web    web      4     20    8           10          evening,sale       120m
team-b      api    api      1     5     <unknown>   <unknown>   <none>             1s
`},
		{printers.Wide, false, `NAME   TARGET   MIN   MAX   CURRENT     DESIRED     ACTIVE-SCHEDULES   AGE    METRICS         LAST-SCALE                                                       SCALING-ACTIVE     SCALING-LIMITED
web    web      4     20    8           10          evening,sale       120m   rps=240,cpu=?   3m ago: metric rps recommends 10 replicas: 240 requests per...   ValidMetricFound   DesiredWithinRange
api    api      1     5     <unknown>   <unknown>   <none>             1s     <none>          <none>                                                           <none>             <none>
`},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		if err := autoscalers.print(&out, tt.format, objs, false, tt.allNamespaces, now); err != nil {
			t.Fatal(err)
		}
		if out.String() != tt.want {
			t.Errorf("-o %q (all namespaces %v):\n%s\nwant\n%s", tt.format, tt.allNamespaces, out.String(), tt.want)
		}
	}
}

func TestAutoscalersEmpty(t *testing.T) {
	var out bytes.Buffer
	if err := autoscalers.print(&out, printers.Wide, nil, false, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "No autoscalers found. Create one with: flotilla apply -f") {
		t.Errorf("an empty list should say how to create an autoscaler: %q", out.String())
	}
}

func TestLastScaleReasonIsCutOnACharacter(t *testing.T) {
	st := &flotillav1alpha1.FleetAutoscalerStatus{LastScaleTime: &metav1.Time{Time: time.Unix(0, 0)}, LastScaleReason: strings.Repeat("é", 80)}
	got := lastScale(st, time.Unix(5, 0))
	if want := "5s ago: " + strings.Repeat("é", 57) + "..."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := lastScale(&flotillav1alpha1.FleetAutoscalerStatus{LastScaleTime: st.LastScaleTime}, time.Unix(5, 0)); got != "5s ago" {
		t.Errorf("without a reason: got %q", got)
	}
}
