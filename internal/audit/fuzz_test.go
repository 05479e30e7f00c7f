package audit

import (
	"encoding/json"
	"net/url"
	"os"
	"testing"
	"time"
)

// FuzzParseFilter reads any query: an error, or a filter within its limits.
func FuzzParseFilter(f *testing.F) {
	for _, q := range []string{"", "user=alice&since=1h&limit=10", "since=2026-11-24T10:00:00Z&until=2026-11-25T00:00:00Z",
		"since=yesterday", "limit=99999999999999999999", "since=-9223372036854775807ns", "app=a&app=b", "source=apiserver"} {
		f.Add(q)
	}
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		fl, err := ParseFilter(q, now)
		if err != nil {
			return
		}
		if fl.Limit < 1 || fl.Limit > MaxLimit {
			t.Fatalf("limit %d out of bounds", fl.Limit)
		}
		if !fl.Since.IsZero() && !fl.Until.IsZero() && !fl.Since.Before(fl.Until) {
			t.Fatalf("since %v not before until %v", fl.Since, fl.Until)
		}
		_ = fl.Match(valid())
	})
}

// FuzzFromAPIServer converts anything: an error, or valid records from the API server.
func FuzzFromAPIServer(f *testing.F) {
	raw, err := os.ReadFile("testdata/eventlist.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte(`{"kind":"Event","auditID":"x","stage":"ResponseComplete","verb":"delete","user":{"username":"u"},` +
		`"objectRef":{"resource":"secrets","subresource":"status"},"stageTimestamp":"2026-11-24T10:00:00Z"}`))
	f.Add([]byte(`{"items":[{"stage":"ResponseComplete","verb":"create","user":{"username":"u"},"impersonatedUser":{},` +
		`"objectRef":{"resource":"x"},"responseStatus":{"code":403},"stageTimestamp":"2026-11-24T10:00:00Z"}]}`))
	f.Add([]byte("{} {}"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		recs, err := FromAPIServer(raw)
		if err != nil {
			return
		}
		for _, r := range recs {
			if err := r.Validate(); err != nil || r.Source != SourceAPIServer {
				t.Fatalf("record %+v: %v", r, err)
			}
			if _, err := json.Marshal(r); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzNormalize: a normalized record is within its limits, and normalizing again changes
// nothing.
func FuzzNormalize(f *testing.F) {
	f.Add("alice", "scale", "Application", "eu-1", "replicas 6", 10)
	f.Add(" ", "\xff\xfe", "secrets", "", "x", 5000)
	f.Fuzz(func(t *testing.T, user, verb, kind, cluster, text string, repeat int) {
		if repeat < 0 || repeat > 3000 {
			return
		}
		r := valid()
		r.Actor.User, r.Verb, r.Object.Kind, r.Clusters = user, verb, kind, []string{cluster, cluster}
		for range repeat {
			r.Message += text
		}
		Normalize(&r)
		for _, fl := range r.texts() {
			if len(*fl.v) > MaxText {
				t.Fatalf("%s is %d bytes", fl.name, len(*fl.v))
			}
		}
		once, _ := json.Marshal(r)
		Normalize(&r)
		twice, _ := json.Marshal(r)
		if string(once) != string(twice) {
			t.Fatalf("not idempotent:\n%s\n%s", once, twice)
		}
	})
}
