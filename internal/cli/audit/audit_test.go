package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	auditlog "flotilla.dev/flotilla/internal/audit"
)

// console answers /api/v1/audit like the console does, for one token.
func console(t *testing.T, recs []auditlog.Record, seen *string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*seen = r.URL.RawQuery
		if r.Header.Get("Authorization") != "Bearer good" {
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "the hub does not accept this token"})
			return
		}
		if r.URL.Query().Get("since") == "yesterday" {
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": `since: "yesterday" is neither a duration like 1h nor an RFC 3339 time`, "field": "since"})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"items": recs})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestAuditQueriesTheConsoleAndPrintsATable(t *testing.T) {
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	recs := []auditlog.Record{
		{Time: at, Source: "flotilla", Actor: auditlog.Actor{User: "alice", Kind: "user", Via: "console"}, Verb: "scale",
			Object: auditlog.ObjectRef{Kind: "Application", Namespace: "shop", Name: "web"}, Before: "replicas 2", After: "replicas 5", Outcome: "success"},
		{Time: at, Source: "flotilla", Actor: auditlog.Actor{User: "flotilla-federation", Kind: "controller"}, Verb: "failover",
			Object: auditlog.ObjectRef{Kind: "Application", Namespace: "shop", Name: "web"}, Clusters: []string{"member-1", "member-2"},
			Reason: "ClusterLost: " + strings.Repeat("x", 200), Outcome: "success"},
	}
	var seen string
	srv := console(t, recs, &seen)
	o := &Options{User: "alice", App: "web", Since: "2h", Limit: 10, HTTP: srv.Client()}
	got, err := o.query(context.Background(), srv.URL, "good")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"user=alice", "app=web", "since=2h", "limit=10"} {
		if !strings.Contains(seen, want) {
			t.Errorf("query %q lacks %s", seen, want)
		}
	}
	var out bytes.Buffer
	if err := o.print(&out, got, at); err != nil {
		t.Fatal(err)
	}
	table := out.String()
	for _, want := range []string{"ACTOR", "alice", "console", "scale", "Application shop/web", "replicas 2 -> replicas 5", "member-1,member-2", "..."} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(table), "\n") {
		if len(line) > 220 {
			t.Errorf("a line of %d characters: the detail is not cut", len(line))
		}
	}
	o.Output = "json"
	out.Reset()
	if err := o.print(&out, got, at); err != nil || !strings.Contains(out.String(), `"verb": "failover"`) {
		t.Errorf("-o json: %v\n%s", err, out.String())
	}
}

func TestAuditErrorsSayWhat(t *testing.T) {
	var seen string
	srv := console(t, nil, &seen)
	o := &Options{Since: "1h", Limit: 10, HTTP: srv.Client()}
	if _, err := o.query(context.Background(), srv.URL, "bad"); err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "does not accept") {
		t.Errorf("a wrong token: %v", err)
	}
	o.Since = "yesterday"
	if _, err := o.query(context.Background(), srv.URL, "good"); err == nil || !strings.Contains(err.Error(), "since:") {
		t.Errorf("a bad --since: %v", err)
	}
	var out bytes.Buffer
	if err := (&Options{}).print(&out, nil, time.Now()); err != nil || !strings.Contains(out.String(), "No audit records match") {
		t.Errorf("no records: %v %q", err, out.String())
	}
}
