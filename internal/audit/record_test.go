package audit

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var t0 = time.Date(2026, 11, 24, 10, 15, 2, 123456789, time.UTC)

// valid is a record Validate accepts.
func valid() Record {
	return Record{
		Time: t0, Source: SourceFlotilla, Verb: "scale", Outcome: OutcomeSuccess,
		Actor:  Actor{User: "alice", Kind: ActorUser, Via: "cli"},
		Object: ObjectRef{APIGroup: "flotilla.dev", Kind: "Application", Namespace: "shop", Name: "checkout"},
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Record)
		want string // "" for valid
	}{
		{name: "complete", edit: func(*Record) {}},
		{name: "no time", edit: func(r *Record) { r.Time = time.Time{} }, want: "time is required"},
		{name: "no source", edit: func(r *Record) { r.Source = "" }, want: `source "" is not one of flotilla, apiserver`},
		{name: "no user", edit: func(r *Record) { r.Actor.User = "" }, want: "actor.user is required"},
		{name: "odd actor kind", edit: func(r *Record) { r.Actor.Kind = "robot" }, want: `actor.kind "robot" is not one of user, controller`},
		{name: "no verb", edit: func(r *Record) { r.Verb = "" }, want: "verb is required"},
		{name: "no kind", edit: func(r *Record) { r.Object.Kind = "" }, want: "object.kind is required"},
		{name: "odd outcome", edit: func(r *Record) { r.Outcome = "ok" }, want: `outcome "ok" is not one of success, failure, denied`},
		{name: "long message", edit: func(r *Record) { r.Message = strings.Repeat("x", MaxText+1) }, want: "message is 4097 bytes, over the limit of 4096"},
		{name: "empty cluster", edit: func(r *Record) { r.Clusters = []string{""} }, want: "cluster name"},
		{name: "several at once", edit: func(r *Record) { r.Verb, r.Outcome = "", "" }, want: "verb is required\noutcome"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid()
			tt.edit(&r)
			err := r.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	r := valid()
	r.Time = t0.In(time.FixedZone("CET", 3600))
	r.Verb = "  scale\n"
	r.Clusters = []string{"eu-2", " eu-1 ", "", "eu-2"}
	r.Actor.Groups = []string{"dev", "dev", " "}
	r.Message = strings.Repeat("é", MaxText) // 2 bytes each: cut in the middle of one
	Normalize(&r)
	if r.Time.Location() != time.UTC || !r.Time.Equal(t0) {
		t.Errorf("time %v, want %v in UTC", r.Time, t0)
	}
	if r.Verb != "scale" {
		t.Errorf("verb %q, want it trimmed", r.Verb)
	}
	if !reflect.DeepEqual(r.Clusters, []string{"eu-1", "eu-2"}) || !reflect.DeepEqual(r.Actor.Groups, []string{"dev"}) {
		t.Errorf("clusters %q groups %q, want them trimmed, sorted and without duplicates", r.Clusters, r.Actor.Groups)
	}
	if len(r.Message) > MaxText || !utf8.ValidString(r.Message) || !strings.HasSuffix(r.Message, truncated) {
		t.Errorf("message of %d bytes (valid UTF-8 %v), want at most %d ending in %q", len(r.Message), utf8.ValidString(r.Message), MaxText, truncated)
	}
	if err := r.Validate(); err != nil {
		t.Errorf("a normalized record is not valid: %v", err)
	}
	again := r
	again.Clusters, again.Actor.Groups = slices.Clone(r.Clusters), slices.Clone(r.Actor.Groups)
	Normalize(&again)
	if !reflect.DeepEqual(again, r) {
		t.Errorf("Normalize is not idempotent:\n%+v\n%+v", again, r)
	}
}

func TestNormalizeKeepsSecretsAtMetadataLevel(t *testing.T) {
	for _, o := range []ObjectRef{{Kind: "Secret", Name: "member-1-kubeconfig"}, {Kind: "secrets", Name: "db"}, {Kind: "secrets/token", Name: "x"}} {
		r := valid()
		r.Object, r.Before, r.After = o, "kubeconfig: apiVersion: v1 ...", "password=hunter2"
		Normalize(&r)
		if r.Before != "" || r.After != "" {
			t.Errorf("%+v: before %q after %q, want both dropped", o, r.Before, r.After)
		}
	}
	r := valid()
	r.Object, r.Before = ObjectRef{APIGroup: "example.com", Kind: "Secret", Name: "x"}, "replicas 6"
	if Normalize(&r); r.Before != "replicas 6" {
		t.Errorf("a Secret kind of another API group lost its summary")
	}
}

func TestNewIDsSortByTimeAndDiffer(t *testing.T) {
	id := NewID(t0.In(time.FixedZone("CET", 3600)))
	if !regexp.MustCompile(`^20261124T101502\.123456789Z-[0-9a-f]{8}$`).MatchString(id) {
		t.Fatalf("ID %q, want 20261124T101502.123456789Z-<8 hex digits>", id)
	}
	if a, b := NewID(t0), NewID(t0); a == b {
		t.Error("two IDs for the same time are equal")
	}
	earlier := NewID(t0.Add(-time.Nanosecond))
	if earlier >= id {
		t.Errorf("%q does not sort before %q", earlier, id)
	}
}
