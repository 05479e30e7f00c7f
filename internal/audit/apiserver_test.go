package audit

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFromAPIServerKeepsWhatAPersonChangedAndNothingElse(t *testing.T) {
	raw, err := os.ReadFile("testdata/eventlist.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := FromAPIServer(raw)
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339Nano, s); return v }
	kubectl := "kubectl/v1.35.4 (linux/amd64) kubernetes/6e1b2a4"
	want := []Record{{
		ID: "apiserver-5d0c8a52-2f0e-4b8e-9d1a-000000000001", Time: at("2026-11-24T10:15:02.134567Z"), Source: SourceAPIServer,
		Actor: Actor{User: "alice@example.com", Groups: []string{"platform", "system:authenticated"}, Kind: ActorUser, Via: "kubectl"},
		Verb:  "patch", Object: ObjectRef{APIGroup: "flotilla.dev", Kind: "applications", Namespace: "shop", Name: "checkout"},
		Outcome: OutcomeSuccess, UserAgent: kubectl,
	}, {
		ID: "apiserver-5d0c8a52-2f0e-4b8e-9d1a-000000000005", Time: at("2026-11-24T10:16:40.512345Z"), Source: SourceAPIServer,
		Actor: Actor{User: "dave@example.com", Groups: []string{"shop-admins", "system:authenticated"}, Kind: ActorUser, Via: "kubectl"},
		Verb:  "create", Object: ObjectRef{Kind: "secrets", Namespace: "shop", Name: "db-credentials"},
		Outcome: OutcomeSuccess, UserAgent: "kubectl/v1.35.4 (darwin/arm64) kubernetes/6e1b2a4",
	}, {
		ID: "apiserver-5d0c8a52-2f0e-4b8e-9d1a-000000000006", Time: at("2026-11-24T10:17:00.11Z"), Source: SourceAPIServer,
		Actor: Actor{User: "bob@example.com", Groups: []string{"shop-devs", "system:authenticated"}, Kind: ActorUser,
			Via: "impersonated by system:serviceaccount:flotilla-system:flotilla-console"},
		Verb: "patch", Object: ObjectRef{APIGroup: "flotilla.dev", Kind: "applications/scale", Namespace: "shop", Name: "checkout"},
		Outcome: OutcomeSuccess, UserAgent: "flotilla/v0.4.0 (linux/amd64) kubernetes/$Format",
	}, {
		ID: "apiserver-5d0c8a52-2f0e-4b8e-9d1a-000000000007", Time: at("2026-11-24T10:18:12.0017Z"), Source: SourceAPIServer,
		Actor: Actor{User: "carol@example.com", Groups: []string{"shop-devs", "system:authenticated"}, Kind: ActorUser, Via: "kubectl"},
		Verb:  "delete", Object: ObjectRef{Kind: "secrets", Namespace: "shop", Name: "db-credentials"},
		Outcome: OutcomeDenied, UserAgent: "kubectl/v1.34.2 (windows/amd64) kubernetes/0d5b7e1",
		Message: `secrets "db-credentials" is forbidden: User "carol@example.com" cannot delete resource "secrets" in API group "" in the namespace "shop"`,
	}}
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
		if err := got[i].Validate(); err != nil {
			t.Errorf("record %d is not valid: %v", i, err)
		}
	}
}

func TestFromAPIServerNeverCopiesASecretsData(t *testing.T) {
	raw, err := os.ReadFile("testdata/eventlist.json")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := FromAPIServer(raw)
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(recs)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"aHVudGVyMi1zM2NyM3QtcGFzc3dvcmQ=", "hunter2", "plain-s3cret-token-value",
		"cGxhaW4tczNjcmV0LXRva2VuLXZhbHVl", "Opaque", "requestObject", "responseObject", "RBAC"} {
		if strings.Contains(string(out), secret) {
			t.Errorf("the records hold %q, which only the events' bodies and annotations had:\n%s", secret, out)
		}
	}
}

func TestFromAPIServerReadsSingleEventsAndLogLines(t *testing.T) {
	line := func(id, verb string) string {
		return `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"` + id + `","stage":"ResponseComplete",` +
			`"verb":"` + verb + `","user":{"username":"erin"},"userAgent":"helm/v3.19.0","objectRef":{"resource":"configmaps","namespace":"web","name":"settings","apiVersion":"v1"},` +
			`"responseStatus":{"metadata":{},"code":500,"message":"etcdserver: request timed out"},"stageTimestamp":"2026-11-24T11:00:00.000001Z"}`
	}
	tests := []struct {
		name    string
		raw     string
		wantIDs []string
		wantErr string
	}{
		{name: "one event", raw: line("a", "update"), wantIDs: []string{"apiserver-a"}},
		{name: "a log file", raw: line("a", "update") + "\n" + line("b", "list") + "\n" + line("c", "delete") + "\n",
			wantIDs: []string{"apiserver-a", "apiserver-c"}},
		{name: "an empty list", raw: `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[]}`},
		{name: "nothing", raw: "", wantErr: "decoding audit events"},
		{name: "not JSON", raw: "<html>", wantErr: "decoding audit events"},
		{name: "another kind", raw: `{"kind":"Pod","apiVersion":"v1"}`, wantErr: `kind "Pod": want Event or EventList`},
		{name: "an old version", raw: `{"kind":"EventList","apiVersion":"audit.k8s.io/v1beta1","items":[]}`,
			wantErr: `apiVersion "audit.k8s.io/v1beta1": want audit.k8s.io/v1`},
		{name: "without a time", raw: strings.Replace(line("a", "update"), `"stageTimestamp":"2026-11-24T11:00:00.000001Z"`, `"stageTimestamp":null`, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FromAPIServer([]byte(tt.raw))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range got {
				ids = append(ids, r.ID)
				if r.Outcome != OutcomeFailure || r.Message != "etcdserver: request timed out" || r.Actor.Via != "helm" {
					t.Errorf("record %+v: want a failure with the server's message, via helm", r)
				}
			}
			if !reflect.DeepEqual(ids, tt.wantIDs) {
				t.Errorf("IDs %v, want %v", ids, tt.wantIDs)
			}
		})
	}
}

func TestOutcomeOfAResponseStatus(t *testing.T) {
	tests := []struct {
		st          *apiStatus
		want, wantM string
	}{
		{&apiStatus{Code: 201}, OutcomeSuccess, ""},
		{&apiStatus{Code: 401, Message: "Unauthorized"}, OutcomeDenied, "Unauthorized"},
		{&apiStatus{Code: 403, Message: "forbidden"}, OutcomeDenied, "forbidden"},
		{&apiStatus{Code: 409, Message: "conflict"}, OutcomeFailure, "conflict"},
		{&apiStatus{Code: 422}, OutcomeFailure, "HTTP 422"},
		{nil, OutcomeFailure, "the API server reported no response status"},
	}
	for _, tt := range tests {
		if got, msg := outcome(tt.st); got != tt.want || msg != tt.wantM {
			t.Errorf("outcome(%+v) = %q, %q; want %q, %q", tt.st, got, msg, tt.want, tt.wantM)
		}
	}
}

func TestClientName(t *testing.T) {
	for agent, want := range map[string]string{
		"kubectl/v1.35.4 (linux/amd64) kubernetes/6e1b2a4": "kubectl",
		"flotilla/v0.4.0 (linux/amd64) kubernetes/$Format": "flotilla",
		"Mozilla/5.0 (X11; Linux x86_64)":                  "Mozilla",
		"curl":                                             "curl",
		"":                                                 "",
	} {
		if got := clientName(agent); got != want {
			t.Errorf("clientName(%q) = %q, want %q", agent, got, want)
		}
	}
}
