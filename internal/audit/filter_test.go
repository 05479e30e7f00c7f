package audit

import (
	"net/url"
	"reflect"
	"testing"
	"time"
)

func TestParseFilter(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		query   string
		want    Filter
		wantErr string
	}{
		{query: "", want: Filter{Limit: DefaultLimit}},
		{query: "user=alice&app=checkout&cluster=eu-1&verb=scale&kind=Application&namespace=shop&source=flotilla&limit=7&output=wide",
			want: Filter{User: "alice", Application: "checkout", Cluster: "eu-1", Verb: "scale", Kind: "Application",
				Namespace: "shop", Source: SourceFlotilla, Limit: 7}},
		{query: "since=1h30m", want: Filter{Since: now.Add(-90 * time.Minute), Limit: DefaultLimit}},
		{query: "since=2026-11-23T08:00:00Z&until=2026-11-24T09:30:00%2B01:00&limit=5000",
			want: Filter{Since: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC), Until: time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC), Limit: MaxLimit}},
		{query: "since=yesterday", wantErr: `since: "yesterday" is neither a duration like 1h nor an RFC 3339 time`},
		{query: "since=-1h", wantErr: `since: "-1h" is negative; give how far back, such as 1h`},
		{query: "until=1h", wantErr: `until: "1h" is not an RFC 3339 time such as 2026-11-24T10:00:00Z`},
		{query: "since=1h&until=2026-11-24T10:00:00Z", wantErr: "since: 2026-11-24T11:00:00Z is not before until 2026-11-24T10:00:00Z"},
		{query: "limit=0", wantErr: `limit: "0" is not a number from 1 to 5000`},
		{query: "limit=5001", wantErr: `limit: "5001" is not a number from 1 to 5000`},
		{query: "limit=ten", wantErr: `limit: "ten" is not a number from 1 to 5000`},
		{query: "source=kubectl", wantErr: `source: "kubectl" is neither flotilla nor apiserver`},
		{query: "user=a&user=b", wantErr: "user: given 2 times, want at most once"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseFilter(q, now)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Since.Equal(tt.want.Since) || !got.Until.Equal(tt.want.Until) {
				t.Errorf("since %v until %v, want %v and %v", got.Since, got.Until, tt.want.Since, tt.want.Until)
			}
			got.Since, got.Until, tt.want.Since, tt.want.Until = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	base := valid()
	base.Clusters = []string{"eu-1", "us-1"}
	with := func(edit func(*Record)) Record {
		r := base
		edit(&r)
		return r
	}
	tests := []struct {
		name   string
		filter Filter
		rec    Record
		want   bool
	}{
		{"empty filter", Filter{}, base, true},
		{"user", Filter{User: "alice"}, base, true},
		{"other user", Filter{User: "bob"}, base, false},
		{"verb, kind, namespace and source", Filter{Verb: "scale", Kind: "Application", Namespace: "shop", Source: SourceFlotilla}, base, true},
		{"other namespace", Filter{Namespace: "web"}, base, false},
		{"kind is exact", Filter{Kind: "applications"}, base, false},
		{"one of the clusters", Filter{Cluster: "us-1"}, base, true},
		{"not one of the clusters", Filter{Cluster: "ap-1"}, base, false},
		{"since is inclusive", Filter{Since: t0}, base, true},
		{"before since", Filter{Since: t0.Add(time.Nanosecond)}, base, false},
		{"until is exclusive", Filter{Until: t0}, base, false},
		{"before until", Filter{Until: t0.Add(time.Nanosecond)}, base, true},
		{"app: the Application", Filter{Application: "checkout"}, base, true},
		{"app: another Application", Filter{Application: "cart"}, base, false},
		{"app: its ResourcePolicy", Filter{Application: "checkout"}, with(func(r *Record) { r.Object.Kind = "ResourcePolicy" }), true},
		{"app: its FleetAutoscaler", Filter{Application: "checkout"}, with(func(r *Record) { r.Object.Kind = "FleetAutoscaler" }), true},
		{"app: by resource, from the API server", Filter{Application: "checkout"},
			with(func(r *Record) { r.Object.Kind = "applications/scale" }), true},
		{"app: without an API group", Filter{Application: "checkout"}, with(func(r *Record) { r.Object.APIGroup = "" }), true},
		{"app: an Argo CD Application of that name", Filter{Application: "checkout"},
			with(func(r *Record) { r.Object.APIGroup = "argoproj.io" }), false},
		{"app: a Deployment of that name", Filter{Application: "checkout"},
			with(func(r *Record) { r.Object.APIGroup, r.Object.Kind = "apps", "Deployment" }), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.filter.Match(tt.rec); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}
