package console

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/audit"
)

// AuditResource is the resource RBAC grants audit access on: list to read the trail, create to
// send records (the hub API server's audit webhook, controllers running elsewhere). It is not
// served by the hub; RBAC rules may name any resource.
const AuditResource = "auditrecords"

// maxIngest bounds one ingest request.
const maxIngest = 16 << 20

// may answers 403 unless the hub lets u do verb on the audit trail.
func (s *Server) may(w http.ResponseWriter, r *http.Request, u *User, verb string) bool {
	ok, reason, err := allowed(r.Context(), s.hub, u, verb, flotillav1alpha1.GroupVersion.Group, AuditResource, "")
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "asking the hub for "+u.Name+"'s access to the audit trail: "+err.Error(), "")
		return false
	}
	if !ok {
		msg := "user \"" + u.Name + "\" cannot " + verb + " " + AuditResource + "." + flotillav1alpha1.GroupVersion.Group + " in the hub"
		if reason != "" {
			msg += ": " + reason
		}
		writeError(w, http.StatusForbidden, msg, "")
		return false
	}
	return true
}

func (s *Server) queryAudit(w http.ResponseWriter, r *http.Request, u *User) {
	if s.opts.Audit == nil {
		writeError(w, http.StatusServiceUnavailable, "this console has no audit trail (start it with --audit-dir)", "")
		return
	}
	f, err := audit.ParseFilter(r.URL.Query(), s.opts.Clock.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), fieldOf(err))
		return
	}
	if !s.may(w, r, u, "list") {
		return
	}
	recs, err := s.opts.Audit.Query(r.Context(), f)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "reading the audit trail: "+err.Error(), "")
		return
	}
	if recs == nil {
		recs = []audit.Record{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": recs})
}

// ingestAudit takes records from the hub API server's audit webhook (…/ingest/apiserver: an
// audit.k8s.io/v1 EventList) or from Flotilla processes (…/ingest: {"items": [records]}).
func (s *Server) ingestAudit(w http.ResponseWriter, r *http.Request, u *User) {
	if s.opts.Audit == nil {
		writeError(w, http.StatusServiceUnavailable, "this console has no audit trail (start it with --audit-dir)", "")
		return
	}
	if !s.may(w, r, u, "create") {
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxIngest))
	if err != nil {
		writeError(w, http.StatusBadRequest, "reading the body: "+err.Error(), "")
		return
	}
	var recs []audit.Record
	switch r.PathValue("source") {
	case "", audit.SourceFlotilla:
	case audit.SourceAPIServer:
	default:
		writeError(w, http.StatusNotFound, "no such audit source: "+r.PathValue("source")+" (apiserver, or none for Flotilla's records)", "")
		return
	}
	if r.PathValue("source") == audit.SourceAPIServer {
		if recs, err = audit.FromAPIServer(raw); err != nil {
			writeError(w, http.StatusBadRequest, err.Error(), "")
			return
		}
	} else {
		var body struct {
			Items []audit.Record `json:"items"`
		}
		if err := json.Unmarshal(raw, &body); err != nil {
			writeError(w, http.StatusBadRequest, "the body must be {\"items\": [audit records]}: "+err.Error(), "items")
			return
		}
		for i := range body.Items {
			if err := body.Items[i].Validate(); err != nil {
				writeError(w, http.StatusBadRequest, "items: "+err.Error(), "items")
				return
			}
		}
		recs = body.Items
	}
	for _, rec := range recs {
		s.opts.Audit.Record(rec)
	}
	s.stream.publish(change{Kind: "AuditRecord"})
	writeJSON(w, http.StatusOK, map[string]int{"accepted": len(recs)})
}

// fieldOf is the parameter an audit.ParseFilter error names ("since: ...").
func fieldOf(err error) string {
	field, _, ok := strings.Cut(err.Error(), ":")
	if !ok || strings.ContainsAny(field, " \"") {
		return ""
	}
	return field
}
