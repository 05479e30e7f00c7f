package revision

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"

	utiljson "k8s.io/apimachinery/pkg/util/json"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// Restore copies rev's resources and overrides into app (undo) and sets the change cause to
// "undo to revision N". It returns what changed, one line per resource ("~ Deployment web",
// "+ ConfigMap extra", "- Secret old") and "~ overrides" when they differ; nil when app already
// holds rev's content.
func Restore(app *flotillav1alpha1.Application, rev *flotillav1alpha1.ApplicationRevision) []string {
	changes := Diff(app.Spec.Resources, app.Spec.Overrides, rev.Spec.Resources, rev.Spec.Overrides)
	app.Spec.Resources = nil
	for i := range rev.Spec.Resources {
		app.Spec.Resources = append(app.Spec.Resources, *rev.Spec.Resources[i].DeepCopy())
	}
	app.Spec.Overrides = nil
	for i := range rev.Spec.Overrides {
		app.Spec.Overrides = append(app.Spec.Overrides, *rev.Spec.Overrides[i].DeepCopy())
	}
	if app.Annotations == nil {
		app.Annotations = map[string]string{}
	}
	app.Annotations[AnnotationChangeCause] = fmt.Sprintf("undo to revision %d", rev.Spec.Revision)
	return changes
}

// Diff lists the differences from (aRes, aOv) to (bRes, bOv) by resource kind and name.
func Diff(aRes []flotillav1alpha1.Manifest, aOv []flotillav1alpha1.ClusterOverride, bRes []flotillav1alpha1.Manifest, bOv []flotillav1alpha1.ClusterOverride) []string {
	a, b := index(aRes), index(bRes)
	var out []string
	for k, v := range b {
		old, ok := a[k]
		switch {
		case !ok:
			out = append(out, "+ "+k)
		case !reflect.DeepEqual(old, v):
			out = append(out, "~ "+k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, "- "+k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][2:] < out[j][2:] })
	if !sameJSON(aOv, bOv) {
		out = append(out, "~ overrides")
	}
	return out
}

// index maps "Kind name" to the decoded manifest.
func index(res []flotillav1alpha1.Manifest) map[string]any {
	out := map[string]any{}
	for i, m := range res {
		var v map[string]any
		if err := utiljson.Unmarshal(m.Raw, &v); err != nil {
			out[fmt.Sprintf("resources[%d]", i)] = string(m.Raw)
			continue
		}
		md, _ := v["metadata"].(map[string]any)
		out[fmt.Sprintf("%v %v", v["kind"], md["name"])] = v
	}
	return out
}

func sameJSON(a, b []flotillav1alpha1.ClusterOverride) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	var va, vb any
	_ = utiljson.Unmarshal(ja, &va)
	_ = utiljson.Unmarshal(jb, &vb)
	return reflect.DeepEqual(va, vb)
}
