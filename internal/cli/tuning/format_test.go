package tuning

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// req is requirements from "cpu=500m,memory=1Gi" requests and limits ("" for none).
func req(requests, limits string) corev1.ResourceRequirements {
	parse := func(s string) corev1.ResourceList {
		if s == "" {
			return nil
		}
		out := corev1.ResourceList{}
		for _, kv := range strings.Split(s, ",") {
			k, v, _ := strings.Cut(kv, "=")
			out[corev1.ResourceName(k)] = resource.MustParse(v)
		}
		return out
	}
	return corev1.ResourceRequirements{Requests: parse(requests), Limits: parse(limits)}
}

func TestValueChanges(t *testing.T) {
	for _, tt := range []struct {
		name          string
		before, after corev1.ResourceRequirements
		want          string
	}{
		{"nothing set", req("", ""), req("", ""), ""},
		{"same values spelt differently", req("cpu=0.5,memory=1Gi", "cpu=1"), req("cpu=500m,memory=1024Mi", "cpu=1000m"), ""},
		{"request and limit lowered", req("cpu=500m,memory=256Mi", "cpu=1,memory=512Mi"), req("cpu=250m,memory=256Mi", "cpu=1,memory=384Mi"),
			"cpu req 500m→250m, mem lim 512Mi→384Mi"},
		{"every value, in a fixed order", req("memory=1Gi,cpu=1", "memory=2Gi,cpu=2"), req("cpu=2,memory=2Gi", "cpu=4,memory=4Gi"),
			"cpu req 1→2, cpu lim 2→4, mem req 1Gi→2Gi, mem lim 2Gi→4Gi"},
		{"a limit set and one removed", req("", "memory=1Gi"), req("", "cpu=200m"), "cpu lim unset→200m, mem lim 1Gi→unset"},
		{"other resources are not tuned", req("ephemeral-storage=1Gi", ""), req("ephemeral-storage=2Gi", ""), ""},
	} {
		if got := strings.Join(ValueChanges(tt.before, tt.after), ", "); got != tt.want {
			t.Errorf("%s: ValueChanges = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestChanges(t *testing.T) {
	change := func(app, container string, before, after corev1.ResourceRequirements) flotillav1alpha1.ContainerChange {
		return flotillav1alpha1.ContainerChange{Application: app, Container: container, Before: before, After: after}
	}
	rev := &flotillav1alpha1.TuningRevision{Containers: []flotillav1alpha1.ContainerChange{
		change("web", "web", req("cpu=500m", "memory=512Mi"), req("cpu=250m", "memory=384Mi")),
		change("web", "proxy", req("cpu=100m", ""), req("cpu=100m", "")),
		change("api", "api", req("cpu=1", ""), req("cpu=2", "")),
		change("web", "log", req("", "cpu=1"), req("", "cpu=2")),
	}}
	for _, tt := range []struct{ app, want string }{
		{"web", "web: cpu req 500m→250m, mem lim 512Mi→384Mi; log: cpu lim 1→2"},
		{"api", "api: cpu req 1→2"},
		{"cart", "no change"},
	} {
		if got := Changes(rev, tt.app); got != tt.want {
			t.Errorf("Changes(%s) = %q, want %q", tt.app, got, tt.want)
		}
	}
}

func TestPercent(t *testing.T) {
	q := resource.MustParse
	for _, tt := range []struct {
		a, b string // "" unset
		want string
	}{
		{a: "500m", b: "250m", want: "-50%"},
		{a: "384Mi", b: "576Mi", want: "+50%"},
		{a: "1", b: "1000m", want: ""},
		{a: "3", b: "2", want: "-33%"},
		{a: "", b: "200m", want: "new"},
		{a: "200m", b: "", want: "removed"},
		{a: "", b: "", want: ""},
		{a: "0", b: "1", want: "?"},
	} {
		var qa, qb resource.Quantity
		if tt.a != "" {
			qa = q(tt.a)
		}
		if tt.b != "" {
			qb = q(tt.b)
		}
		if got := Percent(qa, tt.a != "", qb, tt.b != ""); got != tt.want {
			t.Errorf("Percent(%q, %q) = %q, want %q", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestParseTo(t *testing.T) {
	for _, tt := range []struct {
		in       string
		n        int64
		previous bool
		bad      bool
	}{
		{in: "previous", previous: true}, {in: "0"}, {in: "12", n: 12},
		{in: "-1", bad: true}, {in: "Previous", bad: true}, {in: "", bad: true}, {in: "1.5", bad: true},
	} {
		n, previous, err := parseTo(tt.in)
		if n != tt.n || previous != tt.previous || (err != nil) != tt.bad {
			t.Errorf("parseTo(%q) = %d, %v, %v", tt.in, n, previous, err)
		}
	}
}

func TestSelects(t *testing.T) {
	app := &flotillav1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "web", Labels: map[string]string{"tier": "shop"}}}
	policy := func(ns string, ref string, sel *metav1.LabelSelector) *flotillav1alpha1.ResourcePolicy {
		p := &flotillav1alpha1.ResourcePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "p"}}
		if ref != "" {
			p.Spec.TargetRef = &flotillav1alpha1.ApplicationReference{Name: ref}
		}
		p.Spec.Selector = sel
		return p
	}
	for _, tt := range []struct {
		name string
		p    *flotillav1alpha1.ResourcePolicy
		how  string
		ok   bool
	}{
		{"targetRef", policy("a", "web", nil), "spec.targetRef", true},
		{"targetRef of another", policy("a", "api", nil), "spec.targetRef", false},
		{"other namespace", policy("b", "web", nil), "", false},
		{"selector", policy("a", "", &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "shop"}}), "spec.selector tier=shop", true},
		{"selector of others", policy("a", "", &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "back"}}), "spec.selector tier=back", false},
		{"empty selector: every Application", policy("a", "", &metav1.LabelSelector{}), "spec.selector <none>", true},
		{"bad selector", policy("a", "", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: "Near"}}}), "", false},
		{"neither", policy("a", "", nil), "", false},
	} {
		if how, ok := Selects(tt.p, app); how != tt.how || ok != tt.ok {
			t.Errorf("%s: Selects = %q, %v, want %q, %v", tt.name, how, ok, tt.how, tt.ok)
		}
	}
}

func TestCheckTarget(t *testing.T) {
	sel := func(current int64, revisions ...int64) *Selection {
		p := &flotillav1alpha1.ResourcePolicy{ObjectMeta: metav1.ObjectMeta{Name: "web-tuning"}}
		p.Status.CurrentRevision = current
		for _, n := range revisions {
			p.Status.History = append(p.Status.History, flotillav1alpha1.TuningRevision{Revision: n})
		}
		return &Selection{App: &flotillav1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Name: "web"}}, Policy: p}
	}
	for _, tt := range []struct {
		name     string
		sel      *Selection
		n        int64
		previous bool
		want     int64
		err      string
	}{
		{name: "previous", sel: sel(12, 3, 12), previous: true, want: 11},
		{name: "previous of the first", sel: sel(1, 1), previous: true, want: 0},
		{name: "previous without a revision", sel: sel(0), previous: true, err: "ResourcePolicy web-tuning has made no revision yet, so there is nothing to revert"},
		{name: "in the history", sel: sel(12, 3, 7, 12), n: 7, want: 7},
		{name: "the spec", sel: sel(0), n: 0, want: 0},
		{name: "dropped from the history", sel: sel(12, 3, 12), n: 2,
			err: "revision 2 is not in the history of ResourcePolicy web-tuning (it holds 3 to 12); see flotilla tuning history web"},
		{name: "empty history", sel: sel(0), n: 1, err: "(it is empty)"},
		{name: "one revision", sel: sel(4, 4), n: 5, err: "(it holds only 4)"},
	} {
		got, err := checkTarget(tt.sel, tt.n, tt.previous)
		switch {
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("%s: checkTarget = %d, %v, want %d", tt.name, got, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%s: checkTarget error %v, want one containing %q", tt.name, err, tt.err)
		}
	}
}

func TestPrintReverted(t *testing.T) {
	rev := &flotillav1alpha1.TuningRevision{Revision: 13, Reason: reasonRevert, Message: "restores revision 9",
		Containers: []flotillav1alpha1.ContainerChange{{Application: "web", Container: "web", Before: req("cpu=250m", ""), After: req("cpu=500m", "")}}}
	var out bytes.Buffer
	printReverted(&out, "web", 11, rev)
	if want := "reverted web to revision 9 as revision 13\n  web: cpu req 250m→500m\n"; out.String() != want {
		t.Errorf("printReverted = %q, want %q (the revision the message names)", out.String(), want)
	}
	out.Reset()
	rev.Message = ""
	printReverted(&out, "api", 11, rev)
	if want := "reverted api to revision 11 as revision 13\n"; out.String() != want {
		t.Errorf("printReverted without a message = %q, want %q", out.String(), want)
	}
}

// In Auto mode a changed container "will change"; a hold and a pending revert are shown.
func TestPrintStatusAuto(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	p := &flotillav1alpha1.ResourcePolicy{ObjectMeta: metav1.ObjectMeta{Name: "web-tuning", Annotations: map[string]string{
		flotillav1alpha1.AnnotationTuningRevert: "previous", flotillav1alpha1.AnnotationTuningRevertBy: "alice"}},
		Spec: flotillav1alpha1.ResourcePolicySpec{Mode: flotillav1alpha1.TuningAuto}}
	p.Status = flotillav1alpha1.ResourcePolicyStatus{CurrentRevision: 4, History: []flotillav1alpha1.TuningRevision{{Revision: 4}},
		HoldUntil: &metav1.Time{Time: now.Add(30 * time.Minute)},
		Pods:      flotillav1alpha1.TuningPods{Total: 4, Updated: 3, Pending: 1},
		Failures:  []flotillav1alpha1.ResizeFailure{{Cluster: "member-1", Pod: "web-1", Message: "node lacks memory", Attempts: 2, RetryAt: metav1.NewTime(now.Add(time.Minute))}},
		Recommendations: []flotillav1alpha1.TuningRecommendation{{Application: "web", Container: "web",
			Current: req("cpu=500m", ""), Recommended: req("cpu=250m", ""), Changed: true}}}
	var out bytes.Buffer
	PrintStatus(&out, &Selection{App: &flotillav1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Name: "web"}}, Policy: p, How: "spec.targetRef"}, now)
	for _, want := range []string{
		"Mode:            Auto: pods are resized in place",
		"Revision:        4 (the history holds only 4)\n",
		"Pods:            4 total, 3 updated, 1 pending\n",
		"Hold:            no recommended change until 2026-11-23T12:30:00Z (in 30m, after a revert)\n",
		`Revert:          to "previous" asked by alice, waiting for the controller`,
		"  member-1  web-1  2         in 60s      node lacks memory\n",
		"Container web: will change\n",
		"  cpu request  500m     250m         -50%\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("PrintStatus lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(out.String())
	}
}

func TestWaitEnded(t *testing.T) {
	key := client.ObjectKey{Namespace: "team-a", Name: "web-tuning"}
	expired, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	stopped, stop := context.WithCancel(context.Background())
	stop()
	for _, tt := range []struct {
		name    string
		ctx     context.Context
		pending bool
		want    string
	}{
		{"timed out, still asked", expired, true, "timed out after 30s waiting for the controller to revert web (ResourcePolicy web-tuning): SEEN; " +
			"the request stays on the policy for the controller (is it running? see kubectl describe resourcepolicy web-tuning -n team-a)"},
		{"timed out, annotation removed", expired, false, "timed out after 30s waiting for the controller to revert web (ResourcePolicy web-tuning): SEEN; " +
			"see kubectl describe resourcepolicy web-tuning -n team-a"},
		{"interrupted", stopped, true, "stopped waiting for the controller to revert web (ResourcePolicy web-tuning): SEEN; the request stays"},
	} {
		<-tt.ctx.Done()
		if err := waitEnded(tt.ctx, 30*time.Second, "web", key, "SEEN", tt.pending); !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: %v\nwant %s", tt.name, err, tt.want)
		}
	}
}
