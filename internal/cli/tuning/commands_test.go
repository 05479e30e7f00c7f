package tuning_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli"
	"flotilla.dev/flotilla/internal/cli/clitest"
	"flotilla.dev/flotilla/internal/cli/tuning"
)

// server is the API server of this test binary, started by the first test that needs it.
var server clitest.Server

func TestMain(m *testing.M) {
	code := m.Run()
	server.Stop()
	os.Exit(code)
}

// The history lists the revisions oldest first with the changes of the Application's
// containers, the current one and the reverted one marked; --revision shows one in full.
func TestHistory(t *testing.T) {
	h := server.Hub(t)
	createApp(t, h, "web", map[string]string{"tier": "shop"})
	createPolicy(t, h, "web-tuning", flotillav1alpha1.TuningAuto, &flotillav1alpha1.ApplicationReference{Name: "web"}, nil)
	writeHistory(t, h, "web-tuning")

	out, code := h.Flotilla("tuning", "history", "web")
	want := regexp.MustCompile(`^resourcepolicy.flotilla.dev/web-tuning \(mode Auto, selects web by spec.targetRef\)
REVISION +CURRENT +AGE +REASON +ACTOR +CHANGES
3 +\d+m +Recommendation +flotilla-controller +web: cpu req 500m→250m, mem lim 512Mi→384Mi
4 +\d+m +Burst \(reverted\) +flotilla-controller +web: mem lim 384Mi→576Mi; sidecar: cpu lim unset→200m
5 +\* +\d+m +AutoRevert +flotilla-controller +web: mem lim 576Mi→384Mi; sidecar: cpu lim 200m→unset
6 +\d+m +Recommendation +flotilla-controller +no change
$`)
	if code != 0 || !want.MatchString(out) {
		t.Fatalf("tuning history: exit %d\n%s", code, out)
	}

	out, code = h.Flotilla("tuning", "history", "web", "--revision", "5")
	for _, line := range []string{
		"Revision:        5 (current)",
		"Reason:          AutoRevert",
		"Message:         reverts revision 4: 2 OOM kills of web in member-1 within 5m of the change (at most 0)",
		"Containers of web:",
	} {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("tuning history --revision 5 lacks %q", line)
		}
	}
	if !regexp.MustCompile(`(?m)^  web +memory limit +576Mi +384Mi +-33%$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^  web +cpu request +250m +250m +<none>$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^  sidecar +cpu limit +200m +unset +removed$`).MatchString(out) ||
		!strings.Contains(out, "The revision also holds the containers of api (flotilla tuning history api --revision 5 shows them).\n") {
		t.Errorf("tuning history --revision 5: the containers before and after are missing")
	}
	if code != 0 || t.Failed() {
		t.Fatalf("tuning history --revision 5: exit %d\n%s", code, out)
	}

	out, code = h.Flotilla("tuning", "history", "web", "--revision", "4", "-o", "json")
	var rev flotillav1alpha1.TuningRevision
	if err := json.Unmarshal([]byte(out), &rev); code != 0 || err != nil || rev.Revision != 4 || rev.Reason != "Burst" || rev.RevertedAt == nil {
		t.Fatalf("tuning history --revision 4 -o json: exit %d, %v\n%s", code, err, out)
	}
	if out, code := h.Flotilla("tuning", "history", "web", "-o", "yaml"); code != 0 || strings.Count(out, "- actor: flotilla-controller") != 4 {
		t.Fatalf("tuning history -o yaml: exit %d\n%s", code, out)
	}
	if out, code := h.Flotilla("tuning", "history", "web", "--revision", "2"); code != 1 ||
		!strings.Contains(out, "error: revision 2 is not in the history of ResourcePolicy web-tuning (it holds 3 to 6); see flotilla tuning history web\n") {
		t.Fatalf("tuning history --revision 2: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{{"tuning", "history"}, {"tuning", "history", "web", "--revision", "0"}, {"tuning", "history", "web", "-o", "wide"}} {
		if out, code := h.Flotilla(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (usage)\n%s", args, code, out)
		}
	}
}

// Revert checks the revision, writes both annotations in one patch and waits for the
// controller's revision, or says that it refused or did not answer.
func TestRevert(t *testing.T) {
	h := server.Hub(t)
	ctx := context.Background()
	createApp(t, h, "web", map[string]string{"tier": "shop"})
	createPolicy(t, h, "web-tuning", flotillav1alpha1.TuningAuto, &flotillav1alpha1.ApplicationReference{Name: "web"}, nil)
	writeHistory(t, h, "web-tuning")

	for _, to := range []string{"7", "2"} {
		out, code := h.Flotilla("tuning", "revert", "web", "--to-revision", to)
		if code != 1 || !strings.Contains(out, "error: revision "+to+" is not in the history of ResourcePolicy web-tuning (it holds 3 to 6); see flotilla tuning history web\n") {
			t.Fatalf("revert to %s: exit %d\n%s", to, code, out)
		}
	}
	if a := getPolicy(t, h, "web-tuning").Annotations; len(a) != 0 {
		t.Fatalf("a refused revert wrote annotations: %v", a)
	}
	for _, to := range []string{"-1", "last", ""} {
		if out, code := h.Flotilla("tuning", "revert", "web", "--to-revision", to); code != 2 || !strings.Contains(out, "--to-revision must be") {
			t.Errorf("revert --to-revision %q: exit %d, want 2\n%s", to, code, out)
		}
	}

	out, code := h.Flotilla("tuning", "revert", "web", "--to-revision", "3", "--wait=false")
	p := getPolicy(t, h, "web-tuning")
	if code != 0 || p.Annotations[flotillav1alpha1.AnnotationTuningRevert] != "3" || p.Annotations[flotillav1alpha1.AnnotationTuningRevertBy] != "envtest" ||
		out != "asked the controller to revert web to revision 3 (ResourcePolicy web-tuning: tuning.flotilla.dev/revert-to=3, tuning.flotilla.dev/revert-by=envtest); "+
			"follow with flotilla tuning history web\n" {
		t.Fatalf("revert --wait=false: exit %d, annotations %v\n%s", code, p.Annotations, out)
	}
	if out, code := h.Flotilla("tuning", "revert", "web"); code != 1 || !strings.Contains(out, `already has a revert to "3" by envtest waiting for the controller`) {
		t.Fatalf("revert while one is pending: exit %d\n%s", code, out)
	}
	clearAnnotations(t, h, "web-tuning")
	// Nobody answers: the wait times out, saying what it saw, and the request stays.
	if out, code := h.Flotilla("tuning", "revert", "web", "--to-revision", "0", "--timeout", "1s"); code != 1 ||
		!strings.Contains(out, "error: timed out after 1s waiting for the controller to revert web (ResourcePolicy web-tuning): "+
			"the tuning.flotilla.dev/revert-to annotation is still set and status.currentRevision is 5; the request stays on the policy") {
		t.Fatalf("revert nobody answers: exit %d\n%s", code, out)
	}
	clearAnnotations(t, h, "web-tuning")

	// The controller answers with a revision restoring the previous one (4, reverted: its
	// message names it).
	done := simulateController(t, h, "web-tuning", func(p *flotillav1alpha1.ResourcePolicy) bool {
		rev4, rev5 := p.Status.History[1].Containers[0], p.Status.History[2].Containers[0] // web's
		p.Status.History = append(p.Status.History, flotillav1alpha1.TuningRevision{Revision: 7, Time: metav1.Now(),
			Reason: "Revert", Actor: p.Annotations[flotillav1alpha1.AnnotationTuningRevertBy], Message: "restores revision 4",
			Containers: []flotillav1alpha1.ContainerChange{{Application: "web", Container: "web", Before: rev5.After, After: rev4.After}}})
		p.Status.CurrentRevision = 7
		return true
	})
	out, code = h.Flotilla("tuning", "revert", "web")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	p = getPolicy(t, h, "web-tuning")
	if code != 0 || out != "reverted web to revision 4 as revision 7\n  web: mem lim 384Mi→576Mi\n" || len(p.Annotations) != 0 || p.Status.History[4].Actor != "envtest" {
		t.Fatalf("revert answered by the controller: exit %d, annotations %v\n%s", code, p.Annotations, out)
	}

	// The controller refuses, with an event saying why.
	done = simulateController(t, h, "web-tuning", func(p *flotillav1alpha1.ResourcePolicy) bool {
		ev := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: h.NS, Name: "web-tuning.refused"},
			InvolvedObject: corev1.ObjectReference{APIVersion: flotillav1alpha1.GroupVersion.String(), Kind: "ResourcePolicy", Namespace: h.NS, Name: p.Name, UID: p.UID},
			Type:           corev1.EventTypeWarning, Reason: "RevertRefused", Message: `envtest asked to revert to "6": the Application web has no container sidecar`,
			FirstTimestamp: metav1.Now(), LastTimestamp: metav1.Now(), Count: 1, Source: corev1.EventSource{Component: "flotilla-tuning"}}
		if err := h.C.Create(context.Background(), ev); err != nil {
			t.Error(err)
		}
		return false
	})
	out, code = h.Flotilla("tuning", "revert", "web", "--to-revision", "6")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if code != 1 || !strings.Contains(out, `error: the controller refused to revert web: RevertRefused: envtest asked to revert to "6": the Application web has no container sidecar`) {
		t.Fatalf("revert refused with an event: exit %d\n%s", code, out)
	}

	// The controller removes the annotation without a revision or an event to say why.
	done = simulateController(t, h, "web-tuning", func(*flotillav1alpha1.ResourcePolicy) bool { return false })
	o := &tuning.RevertOptions{To: "3", Wait: true, Timeout: 10 * time.Second, Poll: 20 * time.Millisecond, Grace: 300 * time.Millisecond}
	var buf bytes.Buffer
	err := o.Run(ctx, h.C, h.NS, "web", "", &buf)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err == nil || !strings.Contains(err.Error(), "the controller removed the tuning.flotilla.dev/revert-to annotation of ResourcePolicy web-tuning "+
		"but did not make a revision (status.currentRevision is still 7); see kubectl describe resourcepolicy web-tuning -n "+h.NS) {
		t.Fatalf("revert refused without an event: %v\n%s", err, buf.String())
	}
}

// Status shows, in Recommend mode, what Auto would do for each container of the Application,
// found through the policy's selector.
func TestStatus(t *testing.T) {
	h := server.Hub(t)
	createApp(t, h, "web", map[string]string{"tier": "shop"})
	createPolicy(t, h, "shop", flotillav1alpha1.TuningRecommend, nil, &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "shop"}})
	p := getPolicy(t, h, "shop")
	now := metav1.Now()
	p.Status = flotillav1alpha1.ResourcePolicyStatus{Applications: []string{"cart", "web"},
		Pods: flotillav1alpha1.TuningPods{Total: 10, Updated: 10},
		Conditions: []metav1.Condition{{Type: flotillav1alpha1.ConditionProfiling, Status: metav1.ConditionTrue, Reason: "SamplesArriving",
			Message: "1440 samples of 10 pods", LastTransitionTime: now}},
		Recommendations: []flotillav1alpha1.TuningRecommendation{
			{Application: "cart", Container: "cart", Current: rr("1", "", "", ""), Recommended: rr("2", "", "", ""), Changed: true},
			{Application: "web", Container: "web", Current: rr("500m", "1", "256Mi", "512Mi"), Recommended: rr("250m", "1", "256Mi", "384Mi"), Changed: true,
				Reasons: []string{"cpu request: P90 of usage 210m + 20% = 252m, rounded to 250m", "memory limit: peak 300Mi + 20% = 360Mi, rounded up to 384Mi"},
				Usage: flotillav1alpha1.UsageSummary{Samples: 1440, Since: &metav1.Time{Time: now.Add(-24 * time.Hour)},
					CPU: map[string]string{"p50": "120m", "p90": "210m", "max": "480m"}, Memory: map[string]string{"p50": "200Mi", "p90": "230Mi", "max": "300Mi"}}},
			{Application: "web", Container: "sidecar", Current: rr("100m", "", "", ""), Recommended: rr("100m", "", "", ""),
				Usage: flotillav1alpha1.UsageSummary{Samples: 1440, CPU: map[string]string{"p50": "20m", "p90": "40m", "max": "90m"}}},
		}}
	if err := h.C.Status().Update(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	out, code := h.Flotilla("tuning", "status", "web")
	want := regexp.MustCompile(`^ResourcePolicy: +shop \(selects web by spec.selector tier=shop\)
Mode: +Recommend: nothing is resized; the recommendations below are what Auto mode would do
Revision: +none yet
Pods: +10 total, 10 updated, 0 pending \(of every Application of the policy: cart, web\)
Conditions:
  TYPE +STATUS +REASON +AGE +MESSAGE
  Profiling +True +SamplesArriving +\d+s +1440 samples of 10 pods

Container web: would change
  VALUE +CURRENT +RECOMMENDED +CHANGE
  cpu request +500m +250m +-50%
  cpu limit +1 +1 +<none>
  memory request +256Mi +256Mi +<none>
  memory limit +512Mi +384Mi +-25%
  Reasons:
    - cpu request: P90 of usage 210m \+ 20% = 252m, rounded to 250m
    - memory limit: peak 300Mi \+ 20% = 360Mi, rounded up to 384Mi
  Usage: 1440 samples since \S+Z \(24h ago\)
    cpu +p50 120m  p90 210m  max 480m
    memory +p50 200Mi  p90 230Mi  max 300Mi

Container sidecar: no change
  VALUE +CURRENT +RECOMMENDED +CHANGE
  cpu request +100m +100m +<none>
  Usage: 1440 samples
    cpu +p50 20m  p90 40m  max 90m
$`)
	if code != 0 || !want.MatchString(out) {
		t.Fatalf("tuning status in Recommend mode: exit %d\n%s", code, out)
	}
	if out, code := h.Flotilla("tuning", "status", "web", "-o", "yaml"); code != 0 || !strings.Contains(out, "kind: ResourcePolicy\n") ||
		!strings.Contains(out, "  name: shop\n") || strings.Contains(out, "managedFields") {
		t.Fatalf("tuning status -o yaml: exit %d\n%s", code, out)
	}
	if out, code := h.Flotilla("get", "rp"); code != 0 ||
		!regexp.MustCompile(`^NAME +MODE +APPLICATIONS +REVISION +PODS +UPDATED +AGE\nshop +Recommend +cart,web +<none> +10 +10 +\d+s\n$`).MatchString(out) {
		t.Fatalf("get rp: exit %d\n%s", code, out)
	}
	var completion, errOut bytes.Buffer
	cli.Execute(context.Background(), append(h.Args([]string{"__complete", "tuning", "status"}), ""), &completion, &errOut)
	if !strings.HasPrefix(completion.String(), "web\n") {
		t.Fatalf("completion of tuning status does not offer the Applications:\n%s", completion.String())
	}
}

// Without a policy, with two, or without the Application, the commands say so.
func TestNoPolicy(t *testing.T) {
	h := server.Hub(t)
	createApp(t, h, "web", map[string]string{"tier": "shop"})
	for _, cmd := range []string{"status", "history", "revert"} {
		if out, code := h.Flotilla("tuning", cmd, "web"); code != 1 ||
			out != "error: no ResourcePolicy selects Application web in namespace "+h.NS+"; create one (see docs/tuning.md)\n" {
			t.Errorf("tuning %s without a policy: exit %d\n%s", cmd, code, out)
		}
	}
	if out, code := h.Flotilla("tuning", "status", "nope"); code != 1 || out != "error: Application nope not found in namespace "+h.NS+"\n" {
		t.Errorf("tuning status of a missing Application: exit %d\n%s", code, out)
	}
	createPolicy(t, h, "other", flotillav1alpha1.TuningAuto, nil, &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "back"}})
	if out, code := h.Flotilla("tuning", "history", "web"); code != 1 || !strings.Contains(out, "no ResourcePolicy selects Application web") {
		t.Errorf("tuning history with a policy of other Applications: exit %d\n%s", code, out)
	}
	createPolicy(t, h, "web-tuning", flotillav1alpha1.TuningAuto, &flotillav1alpha1.ApplicationReference{Name: "web"}, nil)
	if out, code := h.Flotilla("tuning", "history", "web"); code != 0 || !strings.Contains(out, "No revisions yet: the controller makes one") {
		t.Errorf("tuning history of a new policy: exit %d\n%s", code, out)
	}
	if out, code := h.Flotilla("tuning", "revert", "web"); code != 1 ||
		!strings.Contains(out, "ResourcePolicy web-tuning has made no revision yet, so there is nothing to revert") {
		t.Errorf("tuning revert of a new policy: exit %d\n%s", code, out)
	}
	createPolicy(t, h, "shop", flotillav1alpha1.TuningRecommend, nil, &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "shop"}})
	if out, code := h.Flotilla("tuning", "status", "web"); code != 1 ||
		!strings.Contains(out, "error: 2 ResourcePolicies select Application web in namespace "+h.NS+" (shop, web-tuning) and would tune the same containers; keep one of them\n") {
		t.Errorf("tuning status with two policies: exit %d\n%s", code, out)
	}
}

// simulateController plays the controller once: when the revert-to annotation appears on the
// policy, it removes both annotations (first, as the controller does), then lets act change the
// policy and writes its status when act returns true. The channel gets the outcome.
func simulateController(t *testing.T, h *clitest.Hub, name string, act func(*flotillav1alpha1.ResourcePolicy) bool) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		for ctx.Err() == nil {
			p := &flotillav1alpha1.ResourcePolicy{}
			if err := h.C.Get(ctx, client.ObjectKey{Namespace: h.NS, Name: name}, p); err != nil {
				done <- err
				return
			}
			if p.Annotations[flotillav1alpha1.AnnotationTuningRevert] == "" {
				time.Sleep(20 * time.Millisecond)
				continue
			}
			base := p.DeepCopy()
			write := act(p)
			status := p.Status
			delete(p.Annotations, flotillav1alpha1.AnnotationTuningRevert)
			delete(p.Annotations, flotillav1alpha1.AnnotationTuningRevertBy)
			if err := h.C.Patch(ctx, p, client.MergeFrom(base)); err != nil {
				done <- err
				return
			}
			if write {
				p.Status = status
				if err := h.C.Status().Update(ctx, p); err != nil {
					done <- err
					return
				}
			}
			done <- nil
			return
		}
		done <- errors.New("the simulated controller never saw the revert-to annotation")
	}()
	return done
}

// createApp creates an Application with a Deployment of two containers, web and sidecar.
func createApp(t *testing.T, h *clitest.Hub, name string, labels map[string]string) {
	t.Helper()
	deployment := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"` + name + `"},"spec":{"replicas":4,
		"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
		"spec":{"containers":[{"name":"web","image":"registry.example.com/web:v1",
		"resources":{"requests":{"cpu":"500m","memory":"256Mi"},"limits":{"cpu":"1","memory":"512Mi"}}},
		{"name":"sidecar","image":"registry.example.com/proxy:v1","resources":{"requests":{"cpu":"100m"}}}]}}}}`
	app := &flotillav1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: h.NS, Name: name, Labels: labels}}
	app.Spec.Resources = []flotillav1alpha1.Manifest{{RawExtension: runtime.RawExtension{Raw: []byte(deployment)}}}
	if err := h.C.Create(context.Background(), app); err != nil {
		t.Fatal(err)
	}
}

// createPolicy creates a ResourcePolicy tuning every container's CPU request and memory limit.
func createPolicy(t *testing.T, h *clitest.Hub, name string, mode flotillav1alpha1.TuningMode,
	ref *flotillav1alpha1.ApplicationReference, sel *metav1.LabelSelector) {
	t.Helper()
	p := &flotillav1alpha1.ResourcePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: h.NS, Name: name},
		Spec: flotillav1alpha1.ResourcePolicySpec{TargetRef: ref, Selector: sel, Mode: mode,
			Containers: []flotillav1alpha1.ContainerTuning{{Name: "*", Targets: []flotillav1alpha1.ResourceTarget{
				{Resource: flotillav1alpha1.TunedCPU, Field: flotillav1alpha1.TunedRequest, Percentile: 90, MarginPercent: 20},
				{Resource: flotillav1alpha1.TunedMemory, Field: flotillav1alpha1.TunedLimit, Percentile: 100, MarginPercent: 20}}}}}}
	if err := h.C.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
}

// writeHistory writes the status of a policy of web (and of api) with revisions 3 to 6, the
// current being 5: 3 lowers web's CPU request and memory limit, 4 (a burst, reverted) raises
// the memory limit and sets the sidecar's CPU limit, 5 reverts 4, 6 changes only api.
func writeHistory(t *testing.T, h *clitest.Hub, name string) {
	t.Helper()
	p := getPolicy(t, h, name)
	at := func(ago time.Duration) metav1.Time { return metav1.NewTime(time.Now().Add(-ago).Truncate(time.Second)) }
	web := func(before, after corev1.ResourceRequirements) flotillav1alpha1.ContainerChange {
		return flotillav1alpha1.ContainerChange{Application: "web", Container: "web", Before: before, After: after}
	}
	sidecar := func(before, after corev1.ResourceRequirements) flotillav1alpha1.ContainerChange {
		return flotillav1alpha1.ContainerChange{Application: "web", Container: "sidecar", Before: before, After: after}
	}
	api := flotillav1alpha1.ContainerChange{Application: "api", Container: "api", Before: rr("1", "", "", ""), After: rr("1", "", "", "")}
	spec, tuned := rr("500m", "1", "256Mi", "512Mi"), rr("250m", "1", "256Mi", "384Mi")
	burst := rr("250m", "1", "256Mi", "576Mi")
	side, sideBurst := rr("100m", "", "", ""), rr("100m", "200m", "", "")
	p.Status = flotillav1alpha1.ResourcePolicyStatus{Applications: []string{"web"}, CurrentRevision: 5,
		History: []flotillav1alpha1.TuningRevision{
			{Revision: 3, Time: at(50 * time.Minute), Reason: "Recommendation", Actor: "flotilla-controller",
				Message:    "web/web: cpu request at P90 210m + 20%; memory limit at peak 300Mi + 20%",
				Containers: []flotillav1alpha1.ContainerChange{web(spec, tuned), sidecar(side, side), api}},
			{Revision: 4, Time: at(40 * time.Minute), Reason: "Burst", Actor: "flotilla-controller", RevertedAt: ptrTime(at(30 * time.Minute)),
				Message:    "web/web at 92% of its memory limit",
				Containers: []flotillav1alpha1.ContainerChange{web(tuned, burst), sidecar(side, sideBurst), api}},
			{Revision: 5, Time: at(30 * time.Minute), Reason: "AutoRevert", Actor: "flotilla-controller",
				Message:    "reverts revision 4: 2 OOM kills of web in member-1 within 5m of the change (at most 0)",
				Containers: []flotillav1alpha1.ContainerChange{web(burst, tuned), sidecar(sideBurst, side), api}},
			{Revision: 6, Time: at(20 * time.Minute), Reason: "Recommendation", Actor: "flotilla-controller",
				Containers: []flotillav1alpha1.ContainerChange{web(tuned, tuned), sidecar(side, side),
					{Application: "api", Container: "api", Before: rr("1", "", "", ""), After: rr("500m", "", "", "")}}},
		}}
	if err := h.C.Status().Update(context.Background(), p); err != nil {
		t.Fatal(err)
	}
}

func getPolicy(t *testing.T, h *clitest.Hub, name string) *flotillav1alpha1.ResourcePolicy {
	t.Helper()
	p := &flotillav1alpha1.ResourcePolicy{}
	if err := h.C.Get(context.Background(), client.ObjectKey{Namespace: h.NS, Name: name}, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// clearAnnotations removes the revert annotations, as the controller would.
func clearAnnotations(t *testing.T, h *clitest.Hub, name string) {
	t.Helper()
	p := getPolicy(t, h, name)
	base := p.DeepCopy()
	p.Annotations = nil
	if err := h.C.Patch(context.Background(), p, client.MergeFrom(base)); err != nil {
		t.Fatal(err)
	}
}

// rr is requirements from the CPU request and limit and the memory request and limit, "" unset.
func rr(cpuReq, cpuLim, memReq, memLim string) corev1.ResourceRequirements {
	out := corev1.ResourceRequirements{}
	set := func(list *corev1.ResourceList, name corev1.ResourceName, v string) {
		if v == "" {
			return
		}
		if *list == nil {
			*list = corev1.ResourceList{}
		}
		(*list)[name] = resource.MustParse(v)
	}
	set(&out.Requests, corev1.ResourceCPU, cpuReq)
	set(&out.Limits, corev1.ResourceCPU, cpuLim)
	set(&out.Requests, corev1.ResourceMemory, memReq)
	set(&out.Limits, corev1.ResourceMemory, memLim)
	return out
}

func ptrTime(t metav1.Time) *metav1.Time { return &t }
