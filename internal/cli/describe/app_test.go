package describe

import (
	"bytes"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

func TestApp(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }
	app := &flotillav1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: "team-a", Generation: 3}}
	app.Spec.Placement.ReplicaScheduling = flotillav1alpha1.ReplicaScheduling{Type: "Divided", Division: "AvailableCapacity"}
	app.Status = flotillav1alpha1.ApplicationStatus{
		ObservedGeneration: 3, CurrentRevision: "shop-bbbbbbbbbb", Replicas: 6, ReadyReplicas: 6, UpdatedReplicas: 6, AvailableReplicas: 6,
		Workload:   &flotillav1alpha1.WorkloadReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
		Conditions: []metav1.Condition{{Type: "Available", Status: "True", Reason: "ReplicasReady", Message: "6/6 replicas ready", LastTransitionTime: ago(time.Minute)}},
		Clusters: []flotillav1alpha1.ClusterStatus{{Name: "member-1", Replicas: 4, ReadyReplicas: 4, UpdatedReplicas: 4, AvailableReplicas: 4,
			Reachable: "True", AppliedRevision: "shop-bbbbbbbbbb", Reason: "capacity 40 of 60"}},
	}
	in := Input{App: app, Now: now,
		Revisions: []flotillav1alpha1.ApplicationRevision{{ObjectMeta: metav1.ObjectMeta{Name: "shop-bbbbbbbbbb", CreationTimestamp: ago(time.Hour)},
			Spec: flotillav1alpha1.ApplicationRevisionSpec{Revision: 2, ChangeCause: "image v2"}}},
		Events: []corev1.Event{
			{Type: "Normal", Reason: "Old", Message: "first", LastTimestamp: ago(time.Hour)},
			{Type: "Warning", Reason: "ApplyFailed", Message: "cluster member-2 rejected ConfigMap x: immutable", EventTime: metav1.NewMicroTime(now.Add(-time.Second))},
		},
	}
	var out bytes.Buffer
	if err := App(&out, in); err != nil {
		t.Fatal(err)
	}
	want := `Name:        shop
Namespace:   team-a
Revision:    2 (shop-bbbbbbbbbb)
Workload:    Deployment web (apps/v1)
Replicas:    6 desired, 6 ready, 6 updated, 6 available
Placement:   Divided by AvailableCapacity, all clusters
Failover:    disabled (a lost cluster keeps its replicas until it returns)
Generation:  3 (observed 3)
Conditions:
  TYPE       STATUS  REASON         AGE  MESSAGE
  Available  True    ReplicasReady  60s  6/6 replicas ready
Clusters:
  NAME      DESIRED  READY  UPDATED  AVAILABLE  REACHABLE  REVISION         REASON             MESSAGE
  member-1  4        4      4        4          True       shop-bbbbbbbbbb  capacity 40 of 60  
Revisions:
  REVISION  NAME             AGE  CHANGE-CAUSE
  2         shop-bbbbbbbbbb  60m  image v2
Events:
  TYPE     REASON       AGE  MESSAGE
  Warning  ApplyFailed  1s   cluster member-2 rejected ConfigMap x: immutable
  Normal   Old          60m  first
`
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}
