package console

import (
	"net/http"
	"sort"
	"time"

	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/audit"
)

// sessionLifetime is how long the session cookie lives in the browser; the token's own expiry
// (checked by the hub at every TokenReview) still applies.
const sessionLifetime = 12 * time.Hour

type loginRequest struct {
	Token string `json:"token"`
}

// login checks a token and sets the session cookie.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if field, err := decode(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), field)
		return
	}
	if req.Token == "" {
		writeError(w, http.StatusBadRequest, "token: required", "token")
		return
	}
	u, err := s.auth.authenticate(r.Context(), req.Token)
	if err != nil || u == nil {
		msg := "the hub does not accept this token"
		if err != nil {
			msg = err.Error()
		}
		s.record(r, &User{Name: "unknown"}, "login", audit.ObjectRef{Kind: "Console"}, nil, audit.OutcomeDenied, msg, "", "")
		writeError(w, http.StatusUnauthorized, msg, "token")
		return
	}
	setSession(w, r, req.Token, int(sessionLifetime/time.Second))
	s.record(r, u, "login", audit.ObjectRef{Kind: "Console"}, nil, audit.OutcomeSuccess, "", "", "")
	writeJSON(w, http.StatusOK, u)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	setSession(w, r, "", -1)
	writeJSON(w, http.StatusOK, map[string]string{})
}

func (s *Server) whoami(w http.ResponseWriter, _ *http.Request, u *User) {
	writeJSON(w, http.StatusOK, u)
}

// list answers a list of the user's, as that user.
func (s *Server) list(w http.ResponseWriter, r *http.Request, u *User, list client.ObjectList, opts ...client.ListOption) {
	c, err := s.clientAs(u)
	if err != nil {
		writeAPIError(w, err)
		return
	}
	if ns := r.URL.Query().Get("namespace"); ns != "" {
		opts = append(opts, client.InNamespace(ns))
	}
	if err := c.List(r.Context(), list, opts...); err != nil {
		writeAPIError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) listClusters(w http.ResponseWriter, r *http.Request, u *User) {
	s.list(w, r, u, &flotillav1alpha1.MemberClusterList{})
}

func (s *Server) listApplications(w http.ResponseWriter, r *http.Request, u *User) {
	s.list(w, r, u, &flotillav1alpha1.ApplicationList{})
}

func (s *Server) listAutoscalers(w http.ResponseWriter, r *http.Request, u *User) {
	s.list(w, r, u, &flotillav1alpha1.FleetAutoscalerList{})
}

func (s *Server) listResourcePolicies(w http.ResponseWriter, r *http.Request, u *User) {
	s.list(w, r, u, &flotillav1alpha1.ResourcePolicyList{})
}

// applicationDetail is GET /api/v1/applications/{ns}/{name}.
type applicationDetail struct {
	Application      *flotillav1alpha1.Application          `json:"application"`
	Revisions        []flotillav1alpha1.ApplicationRevision `json:"revisions"`
	Autoscalers      []flotillav1alpha1.FleetAutoscaler     `json:"autoscalers"`
	ResourcePolicies []flotillav1alpha1.ResourcePolicy      `json:"resourcePolicies"`
	Events           []eventsv1.Event                       `json:"events"`
}

// maxEvents is how many of an Application's events its detail carries.
const maxEvents = 50

func (s *Server) getApplication(w http.ResponseWriter, r *http.Request, u *User) {
	c, err := s.clientAs(u)
	if err != nil {
		writeAPIError(w, err)
		return
	}
	ctx, ns, name := r.Context(), r.PathValue("ns"), r.PathValue("name")
	d := applicationDetail{Application: &flotillav1alpha1.Application{}, Revisions: []flotillav1alpha1.ApplicationRevision{},
		Autoscalers: []flotillav1alpha1.FleetAutoscaler{}, ResourcePolicies: []flotillav1alpha1.ResourcePolicy{}, Events: []eventsv1.Event{}}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, d.Application); err != nil {
		writeAPIError(w, err)
		return
	}
	// The rest is what the user may also read; a refusal leaves that part empty.
	var revs flotillav1alpha1.ApplicationRevisionList
	if c.List(ctx, &revs, client.InNamespace(ns), client.MatchingLabels{flotillav1alpha1.LabelRevisionApplication: name}) == nil {
		d.Revisions = revs.Items
		sort.Slice(d.Revisions, func(i, j int) bool { return d.Revisions[i].Spec.Revision < d.Revisions[j].Spec.Revision })
	}
	var fas flotillav1alpha1.FleetAutoscalerList
	if c.List(ctx, &fas, client.InNamespace(ns)) == nil {
		for _, fa := range fas.Items {
			if fa.Spec.TargetRef.Name == name {
				d.Autoscalers = append(d.Autoscalers, fa)
			}
		}
	}
	var rps flotillav1alpha1.ResourcePolicyList
	if c.List(ctx, &rps, client.InNamespace(ns)) == nil {
		for _, p := range rps.Items {
			if selects(&p, d.Application) {
				d.ResourcePolicies = append(d.ResourcePolicies, p)
			}
		}
	}
	var evs eventsv1.EventList
	if c.List(ctx, &evs, client.InNamespace(ns)) == nil {
		for _, e := range evs.Items {
			if e.Regarding.Name == name && e.Regarding.Kind == "Application" {
				d.Events = append(d.Events, e)
			}
		}
		sort.Slice(d.Events, func(i, j int) bool { return eventTime(d.Events[i]).After(eventTime(d.Events[j])) })
		if len(d.Events) > maxEvents {
			d.Events = d.Events[:maxEvents]
		}
	}
	writeJSON(w, http.StatusOK, d)
}

// selects says whether a ResourcePolicy selects an Application.
func selects(p *flotillav1alpha1.ResourcePolicy, app *flotillav1alpha1.Application) bool {
	if p.Spec.TargetRef != nil {
		return p.Spec.TargetRef.Name == app.Name
	}
	sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
	return err == nil && sel.Matches(labels.Set(app.Labels))
}

func eventTime(e eventsv1.Event) time.Time {
	if e.Series != nil {
		return e.Series.LastObservedTime.Time
	}
	if !e.EventTime.IsZero() {
		return e.EventTime.Time
	}
	return e.DeprecatedLastTimestamp.Time
}

// setSession sets (or, with maxAge -1, clears) the session cookie: HttpOnly, SameSite=Strict,
// and Secure whenever the console is served over TLS. Over plain HTTP (the local fleet, on
// loopback only) a Secure cookie would never be sent back, so it is not marked Secure there.
func setSession(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	//nolint:gosec // G124: Secure is set exactly when the request came over TLS (see above)
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: value, Path: "/", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode, MaxAge: maxAge})
}
