package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// apiEvent holds the fields of an audit.k8s.io/v1 Event that a record uses. Whatever else an
// event carries (requestObject, responseObject, annotations, ...) is never decoded into it.
type apiEvent struct {
	Kind             string     `json:"kind"`
	APIVersion       string     `json:"apiVersion"`
	AuditID          string     `json:"auditID"`
	Stage            string     `json:"stage"`
	Verb             string     `json:"verb"`
	User             apiUser    `json:"user"`
	ImpersonatedUser *apiUser   `json:"impersonatedUser"`
	UserAgent        string     `json:"userAgent"`
	ObjectRef        *apiObject `json:"objectRef"`
	ResponseStatus   *apiStatus `json:"responseStatus"`
	StageTimestamp   time.Time  `json:"stageTimestamp"`
	Items            []apiEvent `json:"items"` // set only on an EventList
}

type apiUser struct {
	Username string   `json:"username"`
	Groups   []string `json:"groups"`
}

type apiObject struct {
	Resource    string `json:"resource"`
	Namespace   string `json:"namespace"`
	Name        string `json:"name"`
	APIGroup    string `json:"apiGroup"`
	Subresource string `json:"subresource"`
}

type apiStatus struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

const auditAPIVersion = "audit.k8s.io/v1"

// keptVerbs are the request verbs that change something.
var keptVerbs = []string{"create", "update", "patch", "delete", "deletecollection"}

// noise are the group/resource pairs nobody wants in an audit trail: events, leader-election
// leases, and the reviews that are questions asked with a create.
var noise = []string{
	"/events", "events.k8s.io/events", "coordination.k8s.io/leases",
	"authentication.k8s.io/tokenreviews", "authentication.k8s.io/selfsubjectreviews",
	"authorization.k8s.io/subjectaccessreviews", "authorization.k8s.io/selfsubjectaccessreviews",
	"authorization.k8s.io/localsubjectaccessreviews", "authorization.k8s.io/selfsubjectrulesreviews",
}

// systemUsers are the control plane's own components, acting all the time.
var systemUsers = []string{"system:apiserver", "system:kube-controller-manager", "system:kube-scheduler"}

// FromAPIServer converts audit events of the hub kube-apiserver into records: an
// audit.k8s.io/v1 EventList (what its webhook backend posts), a single Event (one line of its
// log backend), or several of either one after the other (a log file). It keeps what a person
// wants in an audit trail: completed requests (stage ResponseComplete) that change something
// (create, update, patch, delete, deletecollection), except on events, leases and access or
// token reviews, except status writes, and except those of the API server, the controller
// manager, the scheduler and the nodes (users system:node:*).
//
// A record names the resource as its kind ("applications", "applications/scale"), takes the
// impersonated user as its actor when there is one (Via "impersonated by <the real user>"),
// else the user with Via the name of the client (the user agent's first word without its
// version: "kubectl", "flotilla"), and its ID is "apiserver-" + the audit ID, so that an event
// delivered twice makes one record. Request and response bodies are never read: a Secret's
// data cannot reach the trail. Events without a time or a user are skipped. It fails only on
// input that is not such JSON.
func FromAPIServer(raw []byte) ([]Record, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var out []Record
	for n := 0; ; n++ {
		var ev apiEvent
		err := dec.Decode(&ev)
		if errors.Is(err, io.EOF) && n > 0 {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("decoding audit events: %w", err)
		}
		events, err := eventsOf(ev)
		if err != nil {
			return nil, err
		}
		for _, e := range events {
			if r, ok := fromEvent(e); ok {
				out = append(out, r)
			}
		}
	}
}

// eventsOf returns the events of a decoded document: the items of a list, or the event.
func eventsOf(doc apiEvent) ([]apiEvent, error) {
	var events []apiEvent
	switch {
	case doc.Kind == "EventList" || doc.Kind == "" && doc.Items != nil:
		events = doc.Items
	case doc.Kind == "Event" || doc.Kind == "" && doc.AuditID != "":
		events = []apiEvent{doc}
	default:
		return nil, fmt.Errorf("kind %.64q: want Event or EventList", doc.Kind)
	}
	if doc.APIVersion != "" && doc.APIVersion != auditAPIVersion {
		return nil, fmt.Errorf("apiVersion %.64q: want %s", doc.APIVersion, auditAPIVersion)
	}
	return events, nil
}

// fromEvent converts one event, reporting false for events the trail leaves out.
func fromEvent(e apiEvent) (Record, bool) {
	o := e.ObjectRef
	if e.Stage != "ResponseComplete" || !slices.Contains(keptVerbs, e.Verb) || o == nil || o.Resource == "" ||
		o.Subresource == "status" || slices.Contains(noise, o.APIGroup+"/"+o.Resource) || isSystem(e.User.Username) {
		return Record{}, false
	}
	r := Record{
		Time:      e.StageTimestamp,
		Source:    SourceAPIServer,
		Actor:     Actor{User: e.User.Username, Groups: e.User.Groups, Kind: ActorUser, Via: clientName(e.UserAgent)},
		Verb:      e.Verb,
		Object:    ObjectRef{APIGroup: o.APIGroup, Kind: o.Resource, Namespace: o.Namespace, Name: o.Name},
		UserAgent: e.UserAgent,
	}
	if e.AuditID != "" {
		r.ID = "apiserver-" + e.AuditID
	}
	if o.Subresource != "" {
		r.Object.Kind += "/" + o.Subresource
	}
	if iu := e.ImpersonatedUser; iu != nil && iu.Username != "" {
		r.Actor.User, r.Actor.Groups = iu.Username, iu.Groups
		r.Actor.Via = "impersonated by " + e.User.Username
	}
	r.Outcome, r.Message = outcome(e.ResponseStatus)
	Normalize(&r)
	if r.Validate() != nil {
		return Record{}, false
	}
	return r, true
}

func isSystem(user string) bool {
	return slices.Contains(systemUsers, user) || strings.HasPrefix(user, "system:node:")
}

// clientName is the product name of a user agent: "kubectl" for
// "kubectl/v1.35.0 (linux/amd64) kubernetes/abc".
func clientName(agent string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(agent), " ")
	name, _, _ := strings.Cut(first, "/")
	return name
}

// outcome reads a response status: 2xx succeeded, 401 and 403 were denied, the rest failed.
func outcome(st *apiStatus) (string, string) {
	switch {
	case st == nil:
		return OutcomeFailure, "the API server reported no response status"
	case st.Code >= 200 && st.Code < 300:
		return OutcomeSuccess, ""
	case st.Code == 401 || st.Code == 403:
		return OutcomeDenied, st.Message
	}
	if st.Message == "" {
		return OutcomeFailure, fmt.Sprintf("HTTP %d", st.Code)
	}
	return OutcomeFailure, st.Message
}
