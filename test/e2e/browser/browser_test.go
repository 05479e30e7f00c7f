// Package browser holds the web console's browser tests: headless Chromium (Debian's chromium,
// driven over the DevTools protocol by chromedp) against the console a local fleet serves — a hub
// and three members, the hub controllers in the test process. A user signs in with the fleet's
// token, sees the three clusters, scales an application, watches its rollout view follow a
// release and promotes it, and finds those actions in the audit log; the audit API then shows
// each of them with the user as the actor.
//
// FLOTILLA_SCREENSHOTS=DIR writes the screenshots of the main pages to DIR (docs/screenshots
// holds the committed ones); otherwise they go to a temporary folder.
package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/audit"
	"flotilla.dev/flotilla/internal/console/web"
	"flotilla.dev/flotilla/internal/devfleet"
	"flotilla.dev/flotilla/test/framework"
)

// chromiumPath is Debian's chromium (make deps installs it).
const chromiumPath = "/usr/bin/chromium"

func TestMain(m *testing.M) {
	if _, err := exec.LookPath(chromiumPath); err != nil || !built() {
		fmt.Fprintln(os.Stderr, "browser tests skipped: they need Debian's chromium (make deps) and the console built into the test binary (make web)")
		os.Exit(0)
	}
	os.Exit(framework.Main(m, framework.Options{Members: 3, AfterUp: framework.StartHub(framework.HubOptions{Console: true})}))
}

func built() bool {
	_, ok := web.Files()
	return ok
}

// browser starts headless Chromium at a laptop's screen size.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1366, 900),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitJS polls a JavaScript expression until it is true.
func waitJS(t *testing.T, ctx context.Context, what, expr string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var ok bool
		if err := chromedp.Run(ctx, chromedp.Evaluate(expr, &ok)); err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			var body string
			_ = chromedp.Run(ctx, chromedp.Evaluate(`document.querySelector('main') ? document.querySelector('main').innerText.slice(0, 1500) : document.body.innerText.slice(0, 1500)`, &body))
			t.Fatalf("%s: not true after %s: %s\npage:\n%s", what, within, expr, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// text is the text content of the first element matching a CSS selector ("" when none).
func text(ctx context.Context, sel string) string {
	var s string
	_ = chromedp.Run(ctx, chromedp.Evaluate(fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, sel), &s))
	return strings.TrimSpace(s)
}

// click clicks the button with exactly this text.
func click(t *testing.T, ctx context.Context, label string) {
	t.Helper()
	run(t, ctx, "clicking "+label, chromedp.Click(fmt.Sprintf(`//button[normalize-space(.)=%q]`, label), chromedp.BySearch))
}

// screenshot saves the page as name.png in $FLOTILLA_SCREENSHOTS (or a temporary folder).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("FLOTILLA_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	var png []byte
	run(t, ctx, "screenshot "+name, chromedp.FullScreenshot(&png, 100))
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// releasedApp is an Application of 2 pods per cluster on every member, released cluster by
// cluster: member-1 first, up to a manual gate after its first batch.
func releasedApp(t *testing.T, ns string) *flotillav1alpha1.Application {
	t.Helper()
	a := framework.WebApplication(t, ns, "web", 2, corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m")}}, nil)
	a.Spec.Placement.ReplicaScheduling = flotillav1alpha1.ReplicaScheduling{Type: flotillav1alpha1.ReplicaSchedulingDuplicated}
	a.Spec.Rollout = &flotillav1alpha1.RolloutStrategy{
		Waves:   []flotillav1alpha1.RolloutWave{{Name: "canary", ClusterNames: []string{"member-1"}}, {Name: "rest"}},
		Batches: []flotillav1alpha1.RolloutBatch{{Replicas: intstr.FromInt32(1), Pause: &flotillav1alpha1.RolloutPause{}}, {Replicas: intstr.FromString("100%")}},
	}
	if err := framework.HubClient(t).Create(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = framework.HubClient(t).Delete(context.Background(), a) })
	return a
}

func TestAUserOperatesTheFleetFromTheConsole(t *testing.T) {
	hub := framework.HubClient(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "browser-"}}
	if err := hub.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hub.Delete(context.Background(), ns) })
	releasedApp(t, ns.Name)
	tokens, err := framework.Fleet(t).Tokens()
	if err != nil {
		t.Fatal(err)
	}
	base := strings.TrimSuffix(framework.Fleet(t).ConsoleURL(), "/")
	waitConsole(t, base, tokens.Admin)
	ctx := browser(t)

	// Sign in with the printed token: the fleet overview shows the three clusters.
	run(t, ctx, "opening the console", chromedp.Navigate(base+"/"), chromedp.WaitVisible(`#token`, chromedp.ByQuery))
	screenshot(t, ctx, "login")
	run(t, ctx, "typing the token", chromedp.SendKeys(`#token`, tokens.Admin, chromedp.ByQuery))
	click(t, ctx, "Sign in")
	waitJS(t, ctx, "three cluster cards", `document.querySelectorAll('[data-testid=cluster-card]').length === 3`, time.Minute)
	if who := text(ctx, `[data-testid=whoami]`); who != devfleet.UserAdmin {
		t.Errorf("signed in as %q", who)
	}
	waitJS(t, ctx, "clusters healthy", `[...document.querySelectorAll('[data-testid=cluster-card]')].every(c => /ready/i.test(c.innerText))`, time.Minute)
	screenshot(t, ctx, "fleet")

	// Scale the application from its page: the hub has the new count, the page shows it
	// without a reload.
	run(t, ctx, "opening the application", chromedp.Navigate(base+"/#/apps/"+ns.Name+"/web"), chromedp.WaitVisible(`#scale-replicas`, chromedp.ByQuery))
	waitJS(t, ctx, "the application running", `/\b6\/6\b/.test((document.querySelector('[data-testid=app-replicas]')||{}).textContent||'')`, 2*time.Minute)
	run(t, ctx, "setting replicas", chromedp.SetValue(`#scale-replicas`, "", chromedp.ByQuery), chromedp.SendKeys(`#scale-replicas`, "3", chromedp.ByQuery))
	click(t, ctx, "Scale")
	framework.Eventually(t, 30*time.Second, func() error {
		app := &flotillav1alpha1.Application{}
		if err := hub.Get(context.Background(), types.NamespacedName{Namespace: ns.Name, Name: "web"}, app); err != nil {
			return err
		}
		if app.Spec.Replicas == nil || *app.Spec.Replicas != 3 {
			return fmt.Errorf("spec.replicas %v", app.Spec.Replicas)
		}
		return nil
	})
	waitJS(t, ctx, "the page showing 9 replicas (3 in each of 3 clusters)", `/\b9\/9\b/.test((document.querySelector('[data-testid=app-replicas]')||{}).textContent||'')`, 2*time.Minute)
	screenshot(t, ctx, "application")

	// Release v2: the rollout view follows it to the manual gate, live; promote it fully there
	// (every remaining wave at once) and watch it finish.
	app := &flotillav1alpha1.Application{}
	if err := hub.Get(context.Background(), types.NamespacedName{Namespace: ns.Name, Name: "web"}, app); err != nil {
		t.Fatal(err)
	}
	setImage(t, app, "example.com/web:v2")
	waitJS(t, ctx, "the rollout view at the gate", `(document.querySelector('[data-testid=rollout-phase]')||{}).textContent === 'Paused'`, 2*time.Minute)
	screenshot(t, ctx, "rollout")
	click(t, ctx, "Promote fully")
	click(t, ctx, "Confirm")
	waitJS(t, ctx, "the rollout view showing success", `(document.querySelector('[data-testid=rollout-phase]')||{}).textContent === 'Succeeded'`, 3*time.Minute)

	// The audit log page finds the user's actions.
	run(t, ctx, "opening the audit log", chromedp.Navigate(base+"/#/audit"), chromedp.WaitVisible(`#audit-user`, chromedp.ByQuery))
	run(t, ctx, "searching", chromedp.SetValue(`#audit-user`, devfleet.UserAdmin, chromedp.ByQuery), chromedp.SetValue(`#audit-since`, "1h", chromedp.ByQuery))
	click(t, ctx, "Search")
	waitJS(t, ctx, "the scale and the promotion in the audit log",
		`(() => { const rows = [...document.querySelectorAll('[data-testid=audit-row]')].map(r => r.innerText);
		  return rows.some(r => /\bscale\b/.test(r)) && rows.some(r => /\bpromote-full\b/.test(r)); })()`, time.Minute)
	screenshot(t, ctx, "audit")

	// Every action taken here is in the trail with the user as its actor.
	recs := auditQuery(t, base, tokens.Admin, "user="+devfleet.UserAdmin+"&since=1h")
	for _, verb := range []string{"login", "scale", "promote-full"} {
		found := false
		for _, r := range recs {
			if r.Verb == verb && r.Actor.User == devfleet.UserAdmin && r.Actor.Via == "console" && r.Outcome == audit.OutcomeSuccess {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s by %s via the console in the audit trail", verb, devfleet.UserAdmin)
		}
	}
}

// setImage releases a new version of the application's workload.
func setImage(t *testing.T, app *flotillav1alpha1.Application, image string) {
	t.Helper()
	patch := client.RawPatch(types.JSONPatchType, []byte(`[{"op":"replace","path":"/spec/resources/0/spec/template/spec/containers/0/image","value":"`+image+`"}]`))
	if err := framework.HubClient(t).Patch(context.Background(), app, patch); err != nil {
		t.Fatal(err)
	}
}

func waitConsole(t *testing.T, base, token string) {
	t.Helper()
	framework.Eventually(t, time.Minute, func() error {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, base+"/api/v1/whoami", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("whoami: %s", resp.Status)
		}
		return nil
	})
}

func auditQuery(t *testing.T, base, token, q string) []audit.Record {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, base+"/api/v1/audit?"+q, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var body struct {
		Items []audit.Record `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Items
}
