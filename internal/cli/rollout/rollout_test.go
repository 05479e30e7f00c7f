package rollout

import (
	"bytes"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

func TestPrintHistory(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	app := &flotillav1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}
	app.Status.CurrentRevision = "shop-bbbbbbbbbb"
	revs := []flotillav1alpha1.ApplicationRevision{
		{ObjectMeta: metav1.ObjectMeta{Name: "shop-bbbbbbbbbb", CreationTimestamp: metav1.NewTime(now.Add(-time.Minute))},
			Spec: flotillav1alpha1.ApplicationRevisionSpec{Revision: 2, ChangeCause: "image v2"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "shop-aaaaaaaaaa", CreationTimestamp: metav1.NewTime(now.Add(-2 * time.Hour))},
			Spec: flotillav1alpha1.ApplicationRevisionSpec{Revision: 1}},
	}
	var out bytes.Buffer
	PrintHistory(&out, app, revs, now)
	want := `REVISION  NAME             CURRENT  AGE   CHANGE-CAUSE
2         shop-bbbbbbbbbb  *        60s   image v2
1         shop-aaaaaaaaaa           120m  <none>
`
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestPrintUndo(t *testing.T) {
	var out bytes.Buffer
	PrintUndo(&out, "shop", 1, []string{"~ Deployment web"})
	if want := "application.flotilla.dev/shop rolled back to revision 1\n  ~ Deployment web\n"; out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
	out.Reset()
	PrintUndo(&out, "shop", 1, nil)
	if want := "application.flotilla.dev/shop skipped rollback: it already holds the content of revision 1\n"; out.String() != want {
		t.Fatalf("got %q", out.String())
	}
}
