// Package revision decides which ApplicationRevisions an Application needs: the one that
// snapshots its current resources and overrides, and which old ones to prune. It is pure; the
// reconciler performs the plan.
//
// Rules:
//   - a revision is named <application>-<hash10>, the hash of the canonical JSON of
//     spec.resources and spec.overrides, so an unchanged spec maps to the same revision;
//   - spec.revision counts from 1 and the current revision always has the highest number; going
//     back to old content (undo) re-numbers that revision as the newest, like Deployments do;
//     since a revision's spec is immutable, re-numbering replaces the object;
//   - at most revisionHistoryLimit old revisions are kept, the newest ones; the current one is
//     never pruned.
package revision

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// AnnotationChangeCause on an Application becomes spec.changeCause of its next revision.
const AnnotationChangeCause = "kubernetes.io/change-cause"

// DefaultHistoryLimit is the number of old revisions kept when spec.revisionHistoryLimit is unset.
const DefaultHistoryLimit = 10

// Hash returns the hex SHA-256 of the canonical JSON of resources and overrides: map keys
// sorted and insignificant whitespace dropped, so that the API server's re-encoding of the same
// content hashes the same.
func Hash(resources []flotillav1alpha1.Manifest, overrides []flotillav1alpha1.ClusterOverride) (string, error) {
	canon := make([]any, 0, len(resources))
	for i, m := range resources {
		var v any
		raw := m.Raw
		if len(raw) == 0 && m.Object != nil {
			b, err := json.Marshal(m.Object)
			if err != nil {
				return "", fmt.Errorf("spec.resources[%d]: %w", i, err)
			}
			raw = b
		}
		if err := utiljson.Unmarshal(raw, &v); err != nil {
			return "", fmt.Errorf("spec.resources[%d]: not JSON: %w", i, err)
		}
		canon = append(canon, v)
	}
	var ov any = []any{}
	if len(overrides) > 0 {
		b, err := json.Marshal(overrides)
		if err != nil {
			return "", fmt.Errorf("spec.overrides: %w", err)
		}
		if err := utiljson.Unmarshal(b, &ov); err != nil {
			return "", fmt.Errorf("spec.overrides: %w", err)
		}
	}
	b, err := json.Marshal(map[string]any{"resources": canon, "overrides": ov})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Name is the revision name for an application and content hash: <app>-<first 10 hex digits>.
func Name(app, hash string) string {
	if len(hash) > 10 {
		hash = hash[:10]
	}
	return app + "-" + hash
}

// CurrentName is the revision name of app's spec as it is now, which status.currentRevision
// reports only once the controller has seen it. It falls back to status when the spec cannot
// be hashed.
func CurrentName(app *flotillav1alpha1.Application) string {
	hash, err := Hash(app.Spec.Resources, app.Spec.Overrides)
	if err != nil {
		return app.Status.CurrentRevision
	}
	return Name(app.Name, hash)
}

// Plan is what to do to the revisions of one Application.
type Plan struct {
	// Current is the name of the revision of the Application's current spec.
	Current string
	// Create, when not nil, is a revision to create. When Replace is true an object of the same
	// name exists with an older number and must be deleted first (re-numbering after undo).
	Create  *flotillav1alpha1.ApplicationRevision
	Replace bool
	// Prune names old revisions to delete.
	Prune []string
}

// Decide plans the revisions of app given its existing revisions (those labelled with its name).
func Decide(app *flotillav1alpha1.Application, existing []flotillav1alpha1.ApplicationRevision) (Plan, error) {
	hash, err := Hash(app.Spec.Resources, app.Spec.Overrides)
	if err != nil {
		return Plan{}, err
	}
	plan := Plan{Current: Name(app.Name, hash)}
	top := Newest(existing)
	var same *flotillav1alpha1.ApplicationRevision
	for i := range existing {
		if existing[i].Name == plan.Current {
			same = &existing[i]
		}
	}
	if same == nil || same.Spec.Revision < top {
		plan.Create = build(app, plan.Current, top+1)
		plan.Replace = same != nil
	}
	plan.Prune = prune(existing, plan.Current, historyLimit(app))
	return plan, nil
}

// Newest returns the highest spec.revision among revs, 0 when there is none.
func Newest(revs []flotillav1alpha1.ApplicationRevision) int64 {
	var top int64
	for i := range revs {
		top = max(top, revs[i].Spec.Revision)
	}
	return top
}

func historyLimit(app *flotillav1alpha1.Application) int {
	if app.Spec.RevisionHistoryLimit == nil {
		return DefaultHistoryLimit
	}
	return int(max(*app.Spec.RevisionHistoryLimit, 0))
}

// prune keeps the limit newest revisions other than current and returns the rest.
func prune(existing []flotillav1alpha1.ApplicationRevision, current string, limit int) []string {
	old := make([]flotillav1alpha1.ApplicationRevision, 0, len(existing))
	for _, r := range existing {
		if r.Name != current {
			old = append(old, r)
		}
	}
	sort.Slice(old, func(i, j int) bool { return old[i].Spec.Revision > old[j].Spec.Revision })
	var out []string
	for i := limit; i < len(old); i++ {
		out = append(out, old[i].Name)
	}
	sort.Strings(out)
	return out
}

func build(app *flotillav1alpha1.Application, name string, number int64) *flotillav1alpha1.ApplicationRevision {
	rev := &flotillav1alpha1.ApplicationRevision{
		TypeMeta: metav1.TypeMeta{APIVersion: flotillav1alpha1.GroupVersion.String(), Kind: "ApplicationRevision"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      name,
			Namespace: app.Namespace,
			Labels:    map[string]string{flotillav1alpha1.LabelRevisionApplication: app.Name},
		},
		Spec: flotillav1alpha1.ApplicationRevisionSpec{
			Revision:    number,
			ChangeCause: app.Annotations[AnnotationChangeCause],
		},
	}
	for i := range app.Spec.Resources {
		rev.Spec.Resources = append(rev.Spec.Resources, *app.Spec.Resources[i].DeepCopy())
	}
	for i := range app.Spec.Overrides {
		rev.Spec.Overrides = append(rev.Spec.Overrides, *app.Spec.Overrides[i].DeepCopy())
	}
	if app.UID != "" {
		rev.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(app, flotillav1alpha1.GroupVersion.WithKind("Application"))}
	}
	return rev
}

// Find returns the revision with spec.revision number, or, when number is 0, the newest
// revision older than the current one (the target of a plain undo).
func Find(revs []flotillav1alpha1.ApplicationRevision, current string, number int64) (*flotillav1alpha1.ApplicationRevision, error) {
	sorted := append([]flotillav1alpha1.ApplicationRevision(nil), revs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Spec.Revision > sorted[j].Spec.Revision })
	for i := range sorted {
		r := &sorted[i]
		if (number != 0 && r.Spec.Revision == number) || (number == 0 && r.Name != current) {
			return r, nil
		}
	}
	if number != 0 {
		return nil, fmt.Errorf("--to-revision %d: no such revision is kept (see 'flotilla rollout history')", number)
	}
	return nil, fmt.Errorf("no previous revision to go back to (see 'flotilla rollout history')")
}
