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

func TestPrintAppsWide(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	app := &flotillav1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "shop",
		CreationTimestamp: metav1.NewTime(now.Add(-5 * time.Minute))}}
	app.Status = flotillav1alpha1.ApplicationStatus{
		Replicas: 6, ReadyReplicas: 5, CurrentRevision: "shop-0123456789",
		Clusters: []flotillav1alpha1.ClusterStatus{
			{Name: "member-1", Replicas: 3, ReadyReplicas: 3, Reachable: "True"},
			{Name: "member-2", Replicas: 3, ReadyReplicas: 2, Reachable: "True"},
			{Name: "member-3", Reason: "Removing", Reachable: "False"},
		},
		Conditions: []metav1.Condition{
			{Type: "Scheduled", Status: "True"}, {Type: "Available", Status: "False", Message: "5/6 replicas ready"},
		},
	}
	var out bytes.Buffer
	if err := apps.print(&out, printers.Wide, []client.Object{app}, false, true, now); err != nil {
		t.Fatal(err)
	}
	want := `NAMESPACE   NAME   READY   AVAILABLE   CLUSTERS   REVISION          AGE   DISTRIBUTION                                  MESSAGE
team-a      shop   5/6     False       2          shop-0123456789   5m    member-1=3/3,member-2=2/3,member-3=removing   Available: 5/6 replicas ready
`
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestPrintAppsEmpty(t *testing.T) {
	var out bytes.Buffer
	if err := apps.print(&out, printers.Table, nil, false, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	if out.String() != "No applications found. Create one with: flotilla apply -f examples/sample-app.yaml\n" {
		t.Fatalf("got %q", out.String())
	}
}
