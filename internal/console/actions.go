package console

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/audit"
	"flotilla.dev/flotilla/internal/cli/rollout"
	"flotilla.dev/flotilla/internal/federation/revision"
)

// maxReplicas bounds a scale request (as the FleetAutoscaler's maxReplicas does).
const maxReplicas = 100000

// record writes the audit record of one console action.
func (s *Server) record(r *http.Request, u *User, verb string, obj audit.ObjectRef, clusters []string, outcome, msg, before, after string) {
	if s.opts.Audit == nil {
		return
	}
	s.opts.Audit.Record(audit.Record{Time: s.opts.Clock.Now(), Source: audit.SourceFlotilla,
		Actor: audit.Actor{User: u.Name, Groups: u.Groups, Kind: audit.ActorUser, Via: "console"},
		Verb:  verb, Object: obj, Clusters: clusters, Outcome: outcome, Message: msg, Before: before, After: after, UserAgent: r.UserAgent()})
}

// outcomeOf is the audit outcome of an error.
func outcomeOf(err error) string {
	switch {
	case err == nil:
		return audit.OutcomeSuccess
	case apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err):
		return audit.OutcomeDenied
	}
	return audit.OutcomeFailure
}

func appRef(r *http.Request) audit.ObjectRef {
	return audit.ObjectRef{APIGroup: flotillav1alpha1.GroupVersion.Group, Kind: "Application", Namespace: r.PathValue("ns"), Name: r.PathValue("name")}
}

// finish records an action and answers it: the changed object, or the error.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, u *User, verb string, obj audit.ObjectRef, err error, before, after string, answer any) {
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	s.record(r, u, verb, obj, nil, outcomeOf(err), msg, before, after)
	if err != nil {
		var status apierrors.APIStatus
		if errors.As(err, &status) {
			writeAPIError(w, err)
			return
		}
		writeError(w, http.StatusConflict, err.Error(), "")
		return
	}
	writeJSON(w, http.StatusOK, answer)
}

type scaleRequest struct {
	Replicas *int64 `json:"replicas"`
}

// scale sets spec.replicas, like `flotilla scale`.
func (s *Server) scale(w http.ResponseWriter, r *http.Request, u *User) {
	var req scaleRequest
	if field, err := decode(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), field)
		return
	}
	if req.Replicas == nil || *req.Replicas < 0 || *req.Replicas > maxReplicas {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("replicas: required, a whole number from 0 to %d", maxReplicas), "replicas")
		return
	}
	before := ""
	app, err := s.patchApplication(r, u, func(app *flotillav1alpha1.Application) error {
		before = "replicas " + replicasText(app)
		n := int32(*req.Replicas) //nolint:gosec // G115: bounded to 0..maxReplicas above
		app.Spec.Replicas = &n
		return nil
	})
	s.finish(w, r, u, "scale", appRef(r), err, before, "replicas "+strconv.FormatInt(*req.Replicas, 10), app)
}

// patchApplication reads the request's Application as u, lets change edit it and writes what
// changed as a JSON merge patch (what the controller writes meanwhile is kept).
func (s *Server) patchApplication(r *http.Request, u *User, change func(*flotillav1alpha1.Application) error) (*flotillav1alpha1.Application, error) {
	app := &flotillav1alpha1.Application{}
	c, err := s.clientAs(u)
	if err != nil {
		return app, err
	}
	if err := c.Get(r.Context(), client.ObjectKey{Namespace: r.PathValue("ns"), Name: r.PathValue("name")}, app); err != nil {
		return app, err
	}
	patch := client.MergeFrom(app.DeepCopy())
	if err := change(app); err != nil {
		return app, err
	}
	return app, c.Patch(r.Context(), app, patch)
}

func replicasText(app *flotillav1alpha1.Application) string {
	if app.Spec.Replicas == nil {
		return "from the workload"
	}
	return strconv.Itoa(int(*app.Spec.Replicas))
}

type undoRequest struct {
	ToRevision int64 `json:"toRevision"`
}

// undo restores a kept revision, like `flotilla rollout undo`.
func (s *Server) undo(w http.ResponseWriter, r *http.Request, u *User) {
	var req undoRequest
	if field, err := decode(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), field)
		return
	}
	if req.ToRevision < 0 {
		writeError(w, http.StatusBadRequest, "toRevision: a revision number from 1, or 0 for the previous one", "toRevision")
		return
	}
	c, err := s.clientAs(u)
	if err != nil {
		writeAPIError(w, err)
		return
	}
	ctx, ns, name := r.Context(), r.PathValue("ns"), r.PathValue("name")
	app := &flotillav1alpha1.Application{}
	var target *flotillav1alpha1.ApplicationRevision
	before := ""
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, app); err != nil {
			return err
		}
		before = "revision " + app.Status.CurrentRevision
		var revs flotillav1alpha1.ApplicationRevisionList
		if err := c.List(ctx, &revs, client.InNamespace(ns), client.MatchingLabels{flotillav1alpha1.LabelRevisionApplication: name}); err != nil {
			return err
		}
		var err error
		if target, err = revision.Find(revs.Items, revision.CurrentName(app), req.ToRevision); err != nil {
			return err
		}
		if len(revision.Restore(app, target)) == 0 {
			return nil
		}
		return c.Update(ctx, app)
	})
	after := ""
	if target != nil {
		after = "content of revision " + strconv.FormatInt(target.Spec.Revision, 10)
	}
	s.finish(w, r, u, "undo", appRef(r), err, before, after, app)
}

// steer is promote, promote-full, pause, resume or abort, like `flotilla rollout ACTION`.
func (s *Server) steer(w http.ResponseWriter, r *http.Request, u *User) {
	action := r.PathValue("action")
	change, ok := rollout.Steering(action)
	if !ok {
		writeError(w, http.StatusBadRequest, "action: one of promote, promote-full, pause, resume, abort", "action")
		return
	}
	var body map[string]any
	if field, err := decode(r, &body); err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), field)
		return
	}
	msg := ""
	app, err := s.patchApplication(r, u, func(app *flotillav1alpha1.Application) error {
		var err error
		msg, err = change(app, s.opts.Clock.Now().UTC())
		return err
	})
	s.finish(w, r, u, action, appRef(r), err, "", msg, map[string]any{"message": msg, "application": app})
}

type revertRequest struct {
	ToRevision *int64 `json:"toRevision"`
}

// revert asks for a tuning revert, like `flotilla tuning revert`.
func (s *Server) revert(w http.ResponseWriter, r *http.Request, u *User) {
	var req revertRequest
	if field, err := decode(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), field)
		return
	}
	to := "previous"
	if req.ToRevision != nil {
		if *req.ToRevision < 0 {
			writeError(w, http.StatusBadRequest, "toRevision: a revision number, 0 for the Applications' own resources, or absent for the previous one", "toRevision")
			return
		}
		to = strconv.FormatInt(*req.ToRevision, 10)
	}
	c, err := s.clientAs(u)
	if err != nil {
		writeAPIError(w, err)
		return
	}
	ref := audit.ObjectRef{APIGroup: flotillav1alpha1.GroupVersion.Group, Kind: "ResourcePolicy", Namespace: r.PathValue("ns"), Name: r.PathValue("name")}
	p := &flotillav1alpha1.ResourcePolicy{}
	before := ""
	err = c.Get(r.Context(), client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, p)
	if err == nil {
		before = "revision " + strconv.FormatInt(p.Status.CurrentRevision, 10)
		err = checkRevision(p, to)
	}
	if err == nil {
		patch := client.MergeFrom(p.DeepCopy())
		if p.Annotations == nil {
			p.Annotations = map[string]string{}
		}
		p.Annotations[flotillav1alpha1.AnnotationTuningRevert] = to
		p.Annotations[flotillav1alpha1.AnnotationTuningRevertBy] = u.Name
		err = c.Patch(r.Context(), p, patch)
	}
	s.finish(w, r, u, "revert", ref, err, before, "revert to "+to, p)
}

// checkRevision refuses a revert to a revision the history does not hold.
func checkRevision(p *flotillav1alpha1.ResourcePolicy, to string) error {
	if to == "0" || to == "previous" {
		if to == "previous" && p.Status.CurrentRevision == 0 {
			return errors.New("there is no revision to go back from yet")
		}
		return nil
	}
	n, _ := strconv.ParseInt(to, 10, 64)
	for _, rev := range p.Status.History {
		if rev.Revision == n {
			return nil
		}
	}
	return fmt.Errorf("revision %d is not in the history of ResourcePolicy %s", n, p.Name)
}
