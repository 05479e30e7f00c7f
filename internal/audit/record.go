package audit

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Sources of records.
const (
	// SourceFlotilla marks what Flotilla itself did or was asked to do (CLI, console, API,
	// controllers).
	SourceFlotilla = "flotilla"
	// SourceAPIServer marks records converted from the hub kube-apiserver's audit events.
	SourceAPIServer = "apiserver"
)

// Kinds of actors.
const (
	// ActorUser is a person or an outside client, authenticated.
	ActorUser = "user"
	// ActorController is one of Flotilla's controllers acting on its own.
	ActorController = "controller"
)

// Outcomes of the recorded action.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	// OutcomeDenied is a request refused by authentication or authorization.
	OutcomeDenied = "denied"
)

// Limits on the size of a record; Normalize truncates text fields to MaxText.
const (
	// MaxText is the most bytes any text field of a record holds.
	MaxText = 4 << 10
	// MaxClusters is the most clusters one record names.
	MaxClusters = 10000
	// MaxClusterName is the longest cluster name (a Kubernetes object name).
	MaxClusterName = 253
)

// truncated ends a text field that Normalize cut short.
const truncated = "…"

// Record is one entry of the audit trail: who did what to which object, where, why, and how it
// ended. A record never holds an object's content (Before and After are short summaries), and
// never more than metadata for Secrets, which is where kubeconfigs live.
type Record struct {
	// ID is unique and sorts by time (see NewID); assigned by the Recorder or the Store when
	// empty. Records with equal IDs are the same record, delivered twice.
	ID   string    `json:"id"`
	Time time.Time `json:"time"`
	// Source is SourceFlotilla or SourceAPIServer.
	Source string `json:"source"`
	Actor  Actor  `json:"actor"`
	// Verb is the action: create, update, patch, delete, scale, promote, abort, pause, resume,
	// undo, rollback, failover, place, resize, revert, freeze, unfreeze, login, ...
	Verb   string    `json:"verb"`
	Object ObjectRef `json:"object"`
	// Clusters are the member clusters the action touched, sorted, without duplicates.
	Clusters []string `json:"clusters,omitempty"`
	// Reason is why; for automated actions the measured reason.
	Reason string `json:"reason,omitempty"`
	// Before and After summarise the change for people, e.g. "replicas 6" and "replicas 9".
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
	// Outcome is OutcomeSuccess, OutcomeFailure or OutcomeDenied.
	Outcome string `json:"outcome"`
	// Message is the error text when the outcome is not a success.
	Message   string `json:"message,omitempty"`
	UserAgent string `json:"userAgent,omitempty"`
}

// Actor is who acted.
type Actor struct {
	// User is the authenticated user, or the controller's name for automated actions.
	User   string   `json:"user"`
	Groups []string `json:"groups,omitempty"`
	// Kind is ActorUser or ActorController.
	Kind string `json:"kind"`
	// Via is the way in: "console", "cli", "kubectl", "impersonated by ...", or the
	// controller's name.
	Via string `json:"via,omitempty"`
}

// ObjectRef names the object acted on. For Flotilla's own records Kind is the object's kind
// ("Application"); for records from the API server it is the resource as the request named it
// ("applications", "applications/scale").
type ObjectRef struct {
	APIGroup  string `json:"apiGroup,omitempty"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// RecordList is the JSON document HTTPSink posts and an audit endpoint receives.
type RecordList struct {
	Items []Record `json:"items"`
}

// NewID returns a fresh record ID for a record of time t: the UTC time to the nanosecond in a
// fixed-width form, so that IDs sort as their times do, then 8 random hex digits, e.g.
// 20261124T101502.123456789Z-9f86d081.
func NewID(t time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand.Read aborts the program instead)
	return t.UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(b[:])
}

// Validate reports the first reason r cannot be recorded: a missing time, source, user, actor
// kind, verb, object kind or outcome, a value outside its set, or a field over its limit
// (Normalize truncates text fields, so a normalized record only fails for missing values).
func (r Record) Validate() error {
	var errs []error
	if r.Time.IsZero() {
		errs = append(errs, errors.New("time is required"))
	}
	errs = append(errs, oneOf("source", r.Source, SourceFlotilla, SourceAPIServer),
		required("actor.user", r.Actor.User), oneOf("actor.kind", r.Actor.Kind, ActorUser, ActorController),
		required("verb", r.Verb), required("object.kind", r.Object.Kind),
		oneOf("outcome", r.Outcome, OutcomeSuccess, OutcomeFailure, OutcomeDenied))
	for _, f := range r.texts() {
		if len(*f.v) > MaxText {
			errs = append(errs, fmt.Errorf("%s is %d bytes, over the limit of %d", f.name, len(*f.v), MaxText))
		}
	}
	if len(r.Clusters) > MaxClusters {
		errs = append(errs, fmt.Errorf("%d clusters, over the limit of %d", len(r.Clusters), MaxClusters))
	}
	for _, c := range r.Clusters {
		if c == "" || len(c) > MaxClusterName {
			errs = append(errs, fmt.Errorf("cluster name %.64q is empty or longer than %d bytes", c, MaxClusterName))
			break
		}
	}
	return errors.Join(errs...)
}

func required(name, v string) error {
	if v == "" {
		return fmt.Errorf("%s is required", name)
	}
	return nil
}

func oneOf(name, v string, allowed ...string) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	return fmt.Errorf("%s %.64q is not one of %s", name, v, strings.Join(allowed, ", "))
}

// textField is one text field of a record, by name.
type textField struct {
	name string
	v    *string
}

// texts lists every text field of r, for checking and truncating.
func (r *Record) texts() [16]textField {
	return [...]textField{
		{"id", &r.ID}, {"source", &r.Source}, {"verb", &r.Verb}, {"reason", &r.Reason},
		{"before", &r.Before}, {"after", &r.After}, {"outcome", &r.Outcome}, {"message", &r.Message},
		{"userAgent", &r.UserAgent}, {"actor.user", &r.Actor.User}, {"actor.kind", &r.Actor.Kind},
		{"actor.via", &r.Actor.Via}, {"object.apiGroup", &r.Object.APIGroup},
		{"object.kind", &r.Object.Kind}, {"object.namespace", &r.Object.Namespace},
		{"object.name", &r.Object.Name},
	}
}

// Normalize puts r in the form the trail stores: text fields trimmed and cut to MaxText bytes
// (on a character boundary, ending in "…"), the time in UTC, clusters and groups trimmed,
// sorted and without duplicates or empty names. The Before and After summaries of a Secret are
// dropped, whatever the caller put there: the trail holds Secrets (and so kubeconfigs) at
// metadata level only.
func Normalize(r *Record) {
	for _, f := range r.texts() {
		*f.v = truncate(strings.TrimSpace(*f.v), MaxText)
	}
	if !r.Time.IsZero() {
		r.Time = r.Time.UTC()
	}
	r.Clusters = cleanSet(r.Clusters)
	r.Actor.Groups = cleanSet(r.Actor.Groups)
	for i, g := range r.Actor.Groups {
		r.Actor.Groups[i] = truncate(g, MaxText)
	}
	if r.Object.IsSecret() {
		r.Before, r.After = "", ""
	}
}

// IsSecret reports whether o is a core Secret, named by kind or by resource.
func (o ObjectRef) IsSecret() bool {
	if o.APIGroup != "" {
		return false
	}
	return o.Kind == "Secret" || o.Kind == "secrets" || strings.HasPrefix(o.Kind, "secrets/")
}

// truncate cuts s to at most n bytes without splitting a character, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len(truncated)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + truncated
}

// cleanSet trims, sorts and de-duplicates names, dropping empty ones; nil when none remain.
func cleanSet(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return nil
	}
	slices.Sort(out)
	return slices.Compact(out)
}
