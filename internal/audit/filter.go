package audit

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// Limits on the number of records one query returns.
const (
	DefaultLimit = 100
	MaxLimit     = 5000
)

// appKinds are the Flotilla kinds whose objects are named after the Application they act on,
// by kind and by resource (as records from the API server name them).
var appKinds = []string{
	"Application", "ResourcePolicy", "FleetAutoscaler",
	"applications", "resourcepolicies", "fleetautoscalers",
}

// Filter selects records. Every set field must match; empty fields and zero times match
// everything.
type Filter struct {
	// User is the actor's user name.
	User string
	// Application selects the records about one Application (in any namespace; add Namespace
	// to narrow): those whose object, in the flotilla.dev API group (or with no group, as
	// Flotilla's own records may leave it), is an Application, a ResourcePolicy or a
	// FleetAutoscaler of that name, whether named by kind ("Application") or by resource,
	// with or without a subresource ("applications", "applications/scale"). ResourcePolicies
	// and FleetAutoscalers count because they are named after the Application they target.
	Application string
	// Cluster is one of the record's clusters.
	Cluster string
	// Verb, Kind, Namespace and Source match the record's fields exactly. Records from the API
	// server carry the resource as their kind: kind=applications selects those, kind=Application
	// Flotilla's own.
	Verb, Kind, Namespace, Source string
	// Since (inclusive) and Until (exclusive) bound the record's time; zero leaves a side open.
	Since, Until time.Time
	// Limit is the most records a query returns, newest first: DefaultLimit when 0, never
	// more than MaxLimit.
	Limit int
}

// filterParams are the query parameters ParseFilter understands.
var filterParams = []string{"user", "app", "cluster", "verb", "kind", "namespace", "source", "since", "until", "limit"}

// ParseFilter reads a filter from query parameters: user, app, cluster, verb, kind, namespace,
// source (flotilla or apiserver), since (a Go duration back from now such as 1h or 30m, or an
// RFC 3339 time), until (an RFC 3339 time) and limit (1 to MaxLimit, DefaultLimit when absent).
// Other parameters are ignored; a parameter given twice is an error. Errors name the parameter.
func ParseFilter(q url.Values, now time.Time) (Filter, error) {
	for _, p := range filterParams {
		if len(q[p]) > 1 {
			return Filter{}, fmt.Errorf("%s: given %d times, want at most once", p, len(q[p]))
		}
	}
	f := Filter{
		User: q.Get("user"), Application: q.Get("app"), Cluster: q.Get("cluster"), Verb: q.Get("verb"),
		Kind: q.Get("kind"), Namespace: q.Get("namespace"), Source: q.Get("source"), Limit: DefaultLimit,
	}
	if f.Source != "" && f.Source != SourceFlotilla && f.Source != SourceAPIServer {
		return Filter{}, fmt.Errorf("source: %q is neither %s nor %s", f.Source, SourceFlotilla, SourceAPIServer)
	}
	var err error
	if f.Since, err = parseSince(q.Get("since"), now); err != nil {
		return Filter{}, err
	}
	if s := q.Get("until"); s != "" {
		if f.Until, err = time.Parse(time.RFC3339, s); err != nil {
			return Filter{}, fmt.Errorf("until: %q is not an RFC 3339 time such as 2026-11-24T10:00:00Z", s)
		}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return Filter{}, fmt.Errorf("since: %s is not before until %s", f.Since.Format(time.RFC3339), f.Until.Format(time.RFC3339))
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return Filter{}, fmt.Errorf("limit: %q is not a number from 1 to %d", s, MaxLimit)
		}
		f.Limit = n
	}
	return f, nil
}

// parseSince reads since: a duration back from now, or a time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("since: %q is negative; give how far back, such as 1h", s)
		}
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("since: %q is neither a duration like 1h nor an RFC 3339 time", s)
	}
	return t, nil
}

// Match reports whether r passes every condition of f (Limit aside).
func (f Filter) Match(r Record) bool {
	switch {
	case f.User != "" && r.Actor.User != f.User,
		f.Verb != "" && r.Verb != f.Verb,
		f.Kind != "" && r.Object.Kind != f.Kind,
		f.Namespace != "" && r.Object.Namespace != f.Namespace,
		f.Source != "" && r.Source != f.Source,
		f.Cluster != "" && !slices.Contains(r.Clusters, f.Cluster),
		f.Application != "" && !isAbout(r.Object, f.Application),
		!f.Since.IsZero() && r.Time.Before(f.Since),
		!f.Until.IsZero() && !r.Time.Before(f.Until):
		return false
	}
	return true
}

// isAbout reports whether o is the Application app, or an object named after it (see
// Filter.Application).
func isAbout(o ObjectRef, app string) bool {
	if o.Name != app || (o.APIGroup != "" && o.APIGroup != flotillav1alpha1.GroupVersion.Group) {
		return false
	}
	kind, _, _ := strings.Cut(o.Kind, "/")
	return slices.Contains(appKinds, kind)
}

// limit is the number of records a query with f returns at most.
func (f Filter) limit() int {
	switch {
	case f.Limit <= 0:
		return DefaultLimit
	case f.Limit > MaxLimit:
		return MaxLimit
	}
	return f.Limit
}

// overlaps reports whether [from, to) can hold a record f matches.
func (f Filter) overlaps(from, to time.Time) bool {
	return (f.Since.IsZero() || to.After(f.Since)) && (f.Until.IsZero() || from.Before(f.Until))
}
