package get

import (
	"bytes"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/printers"
)

func TestResourcePoliciesTable(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tuned := &flotillav1alpha1.ResourcePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "shop", CreationTimestamp: metav1.NewTime(now.Add(-2 * time.Hour))},
		Spec: flotillav1alpha1.ResourcePolicySpec{Mode: flotillav1alpha1.TuningAuto,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "shop"}}},
		Status: flotillav1alpha1.ResourcePolicyStatus{Applications: []string{"cart", "web"}, CurrentRevision: 12,
			Pods: flotillav1alpha1.TuningPods{Total: 10, Updated: 8, Pending: 2}},
	}
	fresh := &flotillav1alpha1.ResourcePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "api", CreationTimestamp: metav1.NewTime(now.Add(-time.Second))},
		Spec:       flotillav1alpha1.ResourcePolicySpec{TargetRef: &flotillav1alpha1.ApplicationReference{Name: "api"}},
	}
	var out bytes.Buffer
	if err := resourcePolicies.print(&out, printers.Table, []client.Object{tuned, fresh}, false, true, now); err != nil {
		t.Fatal(err)
	}
	want := `NAMESPACE   NAME   MODE        APPLICATIONS   REVISION   PODS   UPDATED   AGE
team-a      shop   Auto        cart,web       12         10     8         120m
team-b      api    Recommend   api            <none>     0      0         1s
`
	if out.String() != want {
		t.Errorf("get resourcepolicies -A:\n%s\nwant\n%s", out.String(), want)
	}
}
