package status

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func ready(n int32, rev string) *Workload {
	return &Workload{Generation: 2, ObservedGeneration: 2, Replicas: n, Ready: n, Updated: n, Available: n, Revision: rev}
}

func TestAggregate(t *testing.T) {
	type want struct {
		replicas, ready                            int32
		scheduled, applied, available, progressing string // reasons
	}
	cases := []struct {
		name string
		in   Input
		want want
	}{{
		name: "everything ready",
		in: Input{Revision: "r2", Clusters: []Cluster{
			{Name: "b", Desired: 2, Reachable: true, AppliedRevision: "r2", Workload: ready(2, "r2")},
			{Name: "a", Desired: 4, Reachable: true, AppliedRevision: "r2", Workload: ready(4, "r2")},
		}},
		want: want{6, 6, flotillav1alpha1.ReasonScheduled, flotillav1alpha1.ReasonApplied, flotillav1alpha1.ReasonReplicasReady, flotillav1alpha1.ReasonRolloutComplete},
	}, {
		name: "a lost cluster's replicas are not counted ready",
		in: Input{Revision: "r2", Clusters: []Cluster{
			{Name: "a", Desired: 3, Reachable: false, AppliedRevision: "r2", Workload: ready(3, "r2")},
			{Name: "b", Desired: 3, Reachable: true, AppliedRevision: "r2", Workload: ready(3, "r2")},
		}},
		want: want{6, 3, flotillav1alpha1.ReasonScheduled, flotillav1alpha1.ReasonClusterUnreachable, flotillav1alpha1.ReasonReplicasNotReady, flotillav1alpha1.ReasonRolloutInProgress},
	}, {
		name: "a member's rejection fails Applied",
		in: Input{Revision: "r2", Clusters: []Cluster{
			{Name: "a", Desired: 3, Reachable: true, ApplyError: "admission webhook denied", AppliedRevision: "r1", Workload: ready(3, "r1")},
			{Name: "b", Desired: 3, Reachable: true, AppliedRevision: "r2", Workload: ready(3, "r2")},
		}},
		want: want{6, 6, flotillav1alpha1.ReasonScheduled, flotillav1alpha1.ReasonApplyFailed, flotillav1alpha1.ReasonReplicasReady, flotillav1alpha1.ReasonRolloutInProgress},
	}, {
		name: "nothing fits",
		in:   Input{Revision: "r1", Unschedulable: "no cluster matches the selector"},
		want: want{0, 0, flotillav1alpha1.ReasonNoClusterFits, flotillav1alpha1.ReasonApplied, flotillav1alpha1.ReasonReplicasReady, flotillav1alpha1.ReasonRolloutComplete},
	}, {
		name: "removing cluster is listed, not counted, and keeps a failover in progress",
		in: Input{Revision: "r1", Evictions: []flotillav1alpha1.Eviction{{Cluster: "a"}}, Clusters: []Cluster{
			{Name: "a", Removing: true, Reachable: false, AppliedRevision: "r1", Workload: ready(3, "r1")},
			{Name: "b", Desired: 6, Reachable: true, AppliedRevision: "r1", Workload: ready(4, "r1")},
		}},
		want: want{6, 4, flotillav1alpha1.ReasonScheduled, flotillav1alpha1.ReasonClusterUnreachable, flotillav1alpha1.ReasonReplicasNotReady, flotillav1alpha1.ReasonFailoverInProgress},
	}, {
		name: "invalid spec",
		in:   Input{Revision: "r1", Invalid: "spec.overrides[0].image.container: no container \"x\""},
		want: want{scheduled: flotillav1alpha1.ReasonInvalidSpec, progressing: flotillav1alpha1.ReasonInvalidSpec},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Generation, tc.in.Now = 7, now
			st := Aggregate(tc.in)
			if st.Replicas != tc.want.replicas || st.ReadyReplicas != tc.want.ready || st.ObservedGeneration != 7 {
				t.Errorf("replicas %d ready %d gen %d, want %d %d 7", st.Replicas, st.ReadyReplicas, st.ObservedGeneration, tc.want.replicas, tc.want.ready)
			}
			for typ, reason := range map[string]string{flotillav1alpha1.ConditionScheduled: tc.want.scheduled, flotillav1alpha1.ConditionApplied: tc.want.applied,
				flotillav1alpha1.ConditionAvailable: tc.want.available, flotillav1alpha1.ConditionProgressing: tc.want.progressing} {
				c := meta.FindStatusCondition(st.Conditions, typ)
				switch {
				case reason == "" && c != nil:
					t.Errorf("%s set to %s, want unset", typ, c.Reason)
				case reason != "" && (c == nil || c.Reason != reason):
					t.Errorf("%s = %+v, want reason %s", typ, c, reason)
				}
			}
			for i := 1; i < len(st.Clusters); i++ {
				if st.Clusters[i-1].Name >= st.Clusters[i].Name {
					t.Errorf("clusters not sorted: %v", st.Clusters)
				}
			}
		})
	}
}

func TestScheduledSaysWhyClustersWereLeftOut(t *testing.T) {
	st := Aggregate(Input{Revision: "r1", Now: now, NotChosen: []string{"member-3 (ClusterSelector: labels do not match)"},
		Clusters: []Cluster{{Name: "a", Desired: 2, Reachable: true}}})
	c := meta.FindStatusCondition(st.Conditions, flotillav1alpha1.ConditionScheduled)
	if c == nil || c.Message != "placed on 1 cluster(s): a=2; not chosen: member-3 (ClusterSelector: labels do not match)" {
		t.Fatalf("Scheduled = %+v", c)
	}
}

func TestAggregateKeepsTransitionTime(t *testing.T) {
	earlier := metav1.NewTime(now.Add(-time.Hour))
	in := Input{Revision: "r1", Now: now, Previous: []metav1.Condition{{Type: flotillav1alpha1.ConditionAvailable,
		Status: metav1.ConditionTrue, Reason: flotillav1alpha1.ReasonReplicasReady, LastTransitionTime: earlier}}}
	c := meta.FindStatusCondition(Aggregate(in).Conditions, flotillav1alpha1.ConditionAvailable)
	if !c.LastTransitionTime.Equal(&earlier) {
		t.Fatalf("transition time moved to %v although the status did not change", c.LastTransitionTime)
	}
}
