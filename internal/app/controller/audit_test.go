package controller

import (
	"reflect"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/audit"
)

func TestMentionedClusters(t *testing.T) {
	clusters := []string{"member-1", "member-10", "member-2", "eu"}
	for msg, want := range map[string][]string{
		"moved 3 replicas from member-1 to member-2": {"member-1", "member-2"},
		"member-10 lost": {"member-10"},
		"member-1x is not a cluster, neither is xmember-2":   nil,
		"europe is not eu-west, but eu is":                   {"eu"},
		"rolled back member-1, member-1 again and member-10": {"member-1", "member-10"},
	} {
		if got := mentioned(msg, clusters); !reflect.DeepEqual(got, want) {
			t.Errorf("mentioned(%q) = %v, want %v", msg, got, want)
		}
	}
}

type records []audit.Record

func (r *records) Record(rec audit.Record) { *r = append(*r, rec) }

type nopRecorder struct{}

func (nopRecorder) Eventf(runtime.Object, runtime.Object, string, string, string, string, ...any) {}

var _ events.EventRecorder = nopRecorder{}

func TestEventsBecomeAuditRecords(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	var got records
	r := &auditRecorder{EventRecorder: nopRecorder{}, controller: "flotilla-autoscaler", w: &got,
		clusters: func() []string { return []string{"member-1", "member-2"} }, clock: clocktesting.NewFakeClock(now)}
	app := &flotillav1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}}
	r.Eventf(app, nil, "Normal", "Scaled", "Scale", "%s: %d -> %d replicas on member-2", "web", 4, 8)
	r.Eventf(app, nil, "Warning", "ResizeRefused", "Resize", "member-1 refused")
	if len(got) != 2 {
		t.Fatalf("%d records", len(got))
	}
	want := audit.Record{Time: now, Source: audit.SourceFlotilla, Actor: audit.Actor{User: "flotilla-autoscaler", Kind: audit.ActorController, Via: "flotilla-autoscaler"},
		Verb: "scale", Object: audit.ObjectRef{APIGroup: "flotilla.dev", Kind: "Application", Namespace: "shop", Name: "web"},
		Clusters: []string{"member-2"}, Reason: "Scaled: web: 4 -> 8 replicas on member-2", Outcome: audit.OutcomeSuccess}
	if !reflect.DeepEqual(got[0], want) {
		t.Errorf("record\n%+v, want\n%+v", got[0], want)
	}
	if got[1].Outcome != audit.OutcomeFailure || got[1].Verb != "resize" || got[1].Message != "member-1 refused" {
		t.Errorf("a refusal is not a failure record: %+v", got[1])
	}
}
