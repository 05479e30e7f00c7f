package revision

import (
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

func app(image string, limit *int32) *flotillav1alpha1.Application {
	a := &flotillav1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: "team-a", UID: "u1",
		Annotations: map[string]string{AnnotationChangeCause: "bump " + image}}}
	a.Spec.RevisionHistoryLimit = limit
	a.Spec.Resources = []flotillav1alpha1.Manifest{{RawExtension: runtime.RawExtension{Raw: []byte(
		`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"template":{"spec":{"containers":[{"name":"web","image":"` + image + `"}]}}}}`)}}}
	return a
}

// history returns existing revisions for the given images, numbered 1.. in order.
func history(t *testing.T, images ...string) []flotillav1alpha1.ApplicationRevision {
	var out []flotillav1alpha1.ApplicationRevision
	for _, img := range images {
		p, err := Decide(app(img, nil), out)
		if err != nil {
			t.Fatal(err)
		}
		if p.Create == nil {
			continue
		}
		if p.Replace {
			out = slices.DeleteFunc(out, func(r flotillav1alpha1.ApplicationRevision) bool { return r.Name == p.Create.Name })
		}
		out = append(out, *p.Create)
	}
	return out
}

func number(revs []flotillav1alpha1.ApplicationRevision, name string) int64 {
	for _, r := range revs {
		if r.Name == name {
			return r.Spec.Revision
		}
	}
	return 0
}

func TestHashIgnoresFormatting(t *testing.T) {
	a := []flotillav1alpha1.Manifest{{RawExtension: runtime.RawExtension{Raw: []byte(`{"kind":"ConfigMap","apiVersion":"v1"}`)}}}
	b := []flotillav1alpha1.Manifest{{RawExtension: runtime.RawExtension{Raw: []byte(`{ "apiVersion": "v1",  "kind": "ConfigMap" }`)}}}
	c := []flotillav1alpha1.Manifest{{RawExtension: runtime.RawExtension{Raw: []byte(`{"apiVersion":"v1","kind":"Secret"}`)}}}
	ha, _ := Hash(a, nil)
	hb, _ := Hash(b, []flotillav1alpha1.ClusterOverride{})
	hc, _ := Hash(c, nil)
	if ha != hb || ha == hc {
		t.Fatalf("hashes a=%s b=%s c=%s: want a==b!=c", ha, hb, hc)
	}
}

func TestDecide(t *testing.T) {
	cases := []struct {
		name        string
		existing    []string // images of earlier revisions, in order
		image       string
		limit       *int32
		wantCreate  int64 // 0: no creation
		wantReplace bool
		wantPruned  int
	}{
		{name: "first revision", image: "v1", wantCreate: 1},
		{name: "unchanged spec reuses", existing: []string{"v1"}, image: "v1"},
		{name: "change makes the next number", existing: []string{"v1", "v2"}, image: "v3", wantCreate: 3},
		{name: "undo to old content re-numbers it", existing: []string{"v1", "v2"}, image: "v1", wantCreate: 3, wantReplace: true},
		{name: "prune beyond the limit", existing: []string{"v1", "v2", "v3", "v4"}, image: "v5", limit: ptr(int32(2)), wantCreate: 5, wantPruned: 2},
		{name: "limit zero keeps only the current", existing: []string{"v1", "v2"}, image: "v2", limit: ptr(int32(0)), wantPruned: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			existing := history(t, tc.existing...)
			a := app(tc.image, tc.limit)
			p, err := Decide(a, existing)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(p.Current, "shop-") || len(p.Current) != len("shop-")+10 {
				t.Errorf("current = %q, want shop-<hash10>", p.Current)
			}
			var got int64
			if p.Create != nil {
				got = p.Create.Spec.Revision
				if p.Create.Name != p.Current || p.Create.Labels[flotillav1alpha1.LabelRevisionApplication] != "shop" ||
					len(p.Create.OwnerReferences) != 1 || p.Create.Spec.ChangeCause != "bump "+tc.image {
					t.Errorf("created revision %+v lacks name, label, owner or change cause", p.Create.ObjectMeta)
				}
			}
			if got != tc.wantCreate || p.Replace != tc.wantReplace {
				t.Errorf("create=%d replace=%v, want %d %v", got, p.Replace, tc.wantCreate, tc.wantReplace)
			}
			if len(p.Prune) != tc.wantPruned || slices.Contains(p.Prune, p.Current) {
				t.Errorf("prune = %v, want %d names without the current", p.Prune, tc.wantPruned)
			}
			for _, name := range p.Prune {
				if number(existing, name) >= number(existing, p.Current) && number(existing, p.Current) != 0 {
					t.Errorf("pruned %s newer than current", name)
				}
			}
		})
	}
}

func TestCurrentNameFollowsTheSpecNotTheStatus(t *testing.T) {
	revs := history(t, "v1", "v2")
	a := app("v2", nil)
	a.Status.CurrentRevision = revs[0].Name // the controller has not caught up yet
	if got := CurrentName(a); got != revs[1].Name {
		t.Fatalf("CurrentName = %s, want %s", got, revs[1].Name)
	}
}

func TestFind(t *testing.T) {
	revs := history(t, "v1", "v2", "v3")
	current := revs[2].Name
	prev, err := Find(revs, current, 0)
	if err != nil || prev.Spec.Revision != 2 {
		t.Fatalf("Find(previous) = %v, %v; want revision 2", prev, err)
	}
	one, err := Find(revs, current, 1)
	if err != nil || one.Spec.Revision != 1 {
		t.Fatalf("Find(1) = %v, %v", one, err)
	}
	if _, err := Find(revs, current, 9); err == nil || !strings.Contains(err.Error(), "--to-revision 9") {
		t.Fatalf("Find(9) error = %v, want one naming --to-revision", err)
	}
	if _, err := Find(revs[:1], revs[0].Name, 0); err == nil {
		t.Fatal("Find with only the current revision must fail")
	}
}

func ptr[T any](v T) *T { return &v }

func TestRestore(t *testing.T) {
	revs := history(t, "v1", "v2")
	a := app("v2", nil)
	a.Spec.Resources = append(a.Spec.Resources, flotillav1alpha1.Manifest{RawExtension: runtime.RawExtension{Raw: []byte(
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"extra"}}`)}})
	changes := Restore(a, &revs[0])
	if !slices.Equal(changes, []string{"- ConfigMap extra", "~ Deployment web"}) {
		t.Errorf("changes = %q", changes)
	}
	h, _ := Hash(a.Spec.Resources, a.Spec.Overrides)
	if Name("shop", h) != revs[0].Name || a.Annotations[AnnotationChangeCause] != "undo to revision 1" {
		t.Errorf("restored app hashes to %s (want %s), change cause %q", Name("shop", h), revs[0].Name, a.Annotations[AnnotationChangeCause])
	}
	if again := Restore(a, &revs[0]); len(again) != 0 {
		t.Errorf("restoring the same content again reports %q", again)
	}
}
