package federation

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/federation/render"
	"flotilla.dev/flotilla/internal/federation/revision"
)

// reconcileRevisions makes sure the current spec has its ApplicationRevision and prunes old ones.
func (r *ApplicationReconciler) reconcileRevisions(ctx context.Context, s *scope) (bool, error) {
	var list flotillav1alpha1.ApplicationRevisionList
	if err := r.Client.List(ctx, &list, client.InNamespace(s.app.Namespace),
		client.MatchingLabels{flotillav1alpha1.LabelRevisionApplication: s.app.Name}); err != nil {
		return false, fmt.Errorf("listing the revisions of %s: %w", s.app.Name, err)
	}
	owned := ownedRevisions(s.app, list.Items)
	s.revisions = make(map[string][]flotillav1alpha1.Manifest, len(owned))
	s.overrides = make(map[string][]flotillav1alpha1.ClusterOverride, len(owned))
	for _, rev := range owned {
		s.revisions[rev.Name], s.overrides[rev.Name] = rev.Spec.Resources, rev.Spec.Overrides
	}
	plan, err := revision.Decide(s.app, owned)
	if err != nil {
		s.invalid = err.Error()
		return true, nil
	}
	if plan.Create != nil {
		if err := r.createRevision(ctx, s.app, plan); err != nil {
			return false, err
		}
	}
	for _, name := range plan.Prune {
		rev := &flotillav1alpha1.ApplicationRevision{}
		rev.Name, rev.Namespace = name, s.app.Namespace
		if err := r.Client.Delete(ctx, rev); client.IgnoreNotFound(err) != nil {
			return false, fmt.Errorf("pruning revision %s: %w", name, err)
		}
	}
	s.revision = plan.Current
	return false, nil
}

// ownedRevisions keeps the revisions controlled by this very Application (not by an earlier
// Application of the same name).
func ownedRevisions(app *flotillav1alpha1.Application, revs []flotillav1alpha1.ApplicationRevision) []flotillav1alpha1.ApplicationRevision {
	out := revs[:0:0]
	for _, rev := range revs {
		for _, o := range rev.OwnerReferences {
			if o.UID == app.UID {
				out = append(out, rev)
				break
			}
		}
	}
	return out
}

func (r *ApplicationReconciler) createRevision(ctx context.Context, app *flotillav1alpha1.Application, plan revision.Plan) error {
	if plan.Replace {
		if err := r.Client.Delete(ctx, plan.Create.DeepCopy()); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("re-numbering revision %s: %w", plan.Create.Name, err)
		}
	}
	err := r.Client.Create(ctx, plan.Create)
	if apierrors.IsAlreadyExists(err) {
		return r.clearStaleRevision(ctx, app, plan.Create.Name)
	}
	if err != nil {
		return fmt.Errorf("creating revision %s: %w", plan.Create.Name, err)
	}
	r.Events.Eventf(app, plan.Create, "Normal", "RevisionCreated", "Revise",
		"revision %d (%s) of %s", plan.Create.Spec.Revision, plan.Create.Name, app.Name)
	return nil
}

// clearStaleRevision handles a revision name that is taken: by a revision of an earlier
// Application of the same name (not yet garbage collected), which is deleted, or by one the
// cache has not shown yet. Either way the pass is retried.
func (r *ApplicationReconciler) clearStaleRevision(ctx context.Context, app *flotillav1alpha1.Application, name string) error {
	existing := &flotillav1alpha1.ApplicationRevision{}
	if err := r.Client.Get(ctx, client.ObjectKey{Namespace: app.Namespace, Name: name}, existing); err != nil {
		return fmt.Errorf("revision %s exists already: %w", name, err)
	}
	if len(ownedRevisions(app, []flotillav1alpha1.ApplicationRevision{*existing})) == 0 {
		if err := r.Client.Delete(ctx, existing); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting revision %s left by an earlier application %s: %w", name, app.Name, err)
		}
	}
	return fmt.Errorf("revision %s exists already; retrying once the cache shows it", name)
}

// reconcileValidation renders for synthetic clusters; a spec that cannot apply stops the pass
// with Scheduled=False, reason InvalidSpec, and what runs now is left alone.
func (r *ApplicationReconciler) reconcileValidation(_ context.Context, s *scope) (bool, error) {
	errs := render.Validate(s.app)
	if len(errs) == 0 {
		return false, nil
	}
	s.invalid = joinFieldErrors(errs)
	if prev := conditionMessage(s.app.Status.Conditions, flotillav1alpha1.ConditionScheduled); prev != s.invalid {
		r.Events.Eventf(s.app, nil, "Warning", flotillav1alpha1.ReasonInvalidSpec, "Validate", "%s", s.invalid)
	}
	return true, nil
}

func joinFieldErrors(errs field.ErrorList) string {
	msg := ""
	for i, e := range errs {
		if i > 0 {
			msg += "; "
		}
		msg += e.Field + ": " + e.Detail
	}
	return msg
}
