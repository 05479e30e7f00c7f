// Package console holds the end-to-end tests of the console backend and the audit trail: a hub
// and two members, the hub controllers in the test process serving the console on the fleet's
// console port, the hub API server authenticating the fleet's static tokens and sending its
// audit events to the console.
package console

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/audit"
	"flotilla.dev/flotilla/internal/devfleet"
	"flotilla.dev/flotilla/internal/platform/scheme"
	"flotilla.dev/flotilla/test/framework"
)

func TestMain(m *testing.M) {
	os.Exit(framework.Main(m, framework.Options{Members: 2, AfterUp: framework.StartHub(framework.HubOptions{Console: true})}))
}

// api is a client of the console.
type api struct {
	t     *testing.T
	base  string
	token string
	http  *http.Client
}

func newAPI(t *testing.T, token string) *api {
	t.Helper()
	return &api{t: t, base: strings.TrimSuffix(framework.Fleet(t).ConsoleURL(), "/"), token: token, http: &http.Client{Timeout: 20 * time.Second}}
}

func tokens(t *testing.T) devfleet.Tokens {
	t.Helper()
	tk, err := framework.Fleet(t).Tokens()
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// do sends a request and returns the status and the decoded JSON body (nil when not JSON).
func (a *api) do(method, path string, body any) (int, map[string]any) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, a.base+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.http.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// waitConsole waits for the console to answer.
func waitConsole(t *testing.T) {
	t.Helper()
	a := newAPI(t, tokens(t).Admin)
	framework.Eventually(t, time.Minute, func() error {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, a.base+"/api/v1/whoami", nil)
		req.Header.Set("Authorization", "Bearer "+a.token)
		resp, err := a.http.Do(req)
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

func application(t *testing.T, ns, name string) {
	t.Helper()
	a := framework.WebApplication(t, ns, name, 2, corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m")}}, nil)
	if err := framework.HubClient(t).Create(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = framework.HubClient(t).Delete(context.Background(), a) })
}

func namespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "console-"}}
	if err := framework.HubClient(t).Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = framework.HubClient(t).Delete(context.Background(), ns) })
	return ns.Name
}

// TestEveryEndpointNeedsAValidToken: without a token, or with one the hub does not accept, the
// API answers 401 and no data.
func TestEveryEndpointNeedsAValidToken(t *testing.T) {
	waitConsole(t)
	for _, path := range []string{"/api/v1/whoami", "/api/v1/clusters", "/api/v1/applications", "/api/v1/applications/default/web",
		"/api/v1/autoscalers", "/api/v1/resourcepolicies", "/api/v1/audit", "/api/v1/stream"} {
		for name, tok := range map[string]string{"no token": "", "wrong token": "not-a-token"} {
			status, body := newAPI(t, tok).do(http.MethodGet, path, nil)
			if status != http.StatusUnauthorized {
				t.Errorf("%s %s: %d, want 401", name, path, status)
			}
			if _, leaked := body["items"]; leaked || len(body) != 1 || body["error"] == nil {
				t.Errorf("%s %s: the 401 carries more than an error: %v", name, path, body)
			}
		}
	}
	status, _ := newAPI(t, "").do(http.MethodPost, "/api/v1/applications/default/web/scale", map[string]any{"replicas": 1})
	if status != http.StatusUnauthorized {
		t.Errorf("scale without a token: %d, want 401", status)
	}
	status, body := newAPI(t, "").do(http.MethodPost, "/api/v1/login", map[string]any{"token": "not-a-token"})
	if status != http.StatusUnauthorized || body["field"] != "token" {
		t.Errorf("login with a wrong token: %d %v", status, body)
	}
}

// TestReadsActAsTheUser: the admin sees the fleet; the viewer may read but its scale is refused
// with the hub's reason; malformed requests name the field; paths escaping the static files are
// refused.
func TestReadsActAsTheUser(t *testing.T) {
	waitConsole(t)
	ns := namespace(t)
	application(t, ns, "web")
	admin, viewer := newAPI(t, tokens(t).Admin), newAPI(t, tokens(t).Viewer)
	status, who := admin.do(http.MethodGet, "/api/v1/whoami", nil)
	if status != http.StatusOK || who["user"] != devfleet.UserAdmin {
		t.Fatalf("whoami: %d %v", status, who)
	}
	status, clusters := viewer.do(http.MethodGet, "/api/v1/clusters", nil)
	if items, _ := clusters["items"].([]any); status != http.StatusOK || len(items) != 2 {
		t.Fatalf("the viewer lists %d clusters (%d), want 2", len(items), status)
	}
	status, detail := viewer.do(http.MethodGet, "/api/v1/applications/"+ns+"/web", nil)
	if status != http.StatusOK || detail["application"] == nil {
		t.Fatalf("application detail: %d %v", status, detail)
	}
	status, body := viewer.do(http.MethodPost, "/api/v1/applications/"+ns+"/web/scale", map[string]any{"replicas": 5})
	if status != http.StatusForbidden || !strings.Contains(fmt.Sprint(body["error"]), `"fleet-viewer" cannot patch resource "applications"`) {
		t.Errorf("the viewer's scale: %d %v, want 403 with the API server's reason", status, body)
	}
	for _, tc := range []struct {
		body  any
		field string
	}{
		{map[string]any{"replicas": "five"}, "replicas"},
		{map[string]any{"replicas": -1}, "replicas"},
		{map[string]any{}, "replicas"},
		{map[string]any{"replicas": 2, "replica": 3}, "replica"},
	} {
		status, body := admin.do(http.MethodPost, "/api/v1/applications/"+ns+"/web/scale", tc.body)
		if status != http.StatusBadRequest || body["field"] != tc.field {
			t.Errorf("scale %v: %d %v, want 400 naming %s", tc.body, status, body, tc.field)
		}
	}
	for _, path := range []string{"/../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/assets/..%2f..%2fetc/passwd", "/..\\..\\etc\\passwd"} {
		if status := rawGet(t, admin.base, path); status != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400", path, status)
		}
	}
}

// rawGet sends a path as is (no client-side cleaning) and returns the status.
func rawGet(t *testing.T, base, path string) int {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, u.Host)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// TestActionsAreAuditedWithTheRealUser: the admin scales an application in the console and
// changes another with a plain client (as kubectl would); the live stream announces the change;
// the audit query shows the console action with the user, the hub API server's records of both
// writes with the real user, and the controller's automated actions with their reasons.
func TestActionsAreAuditedWithTheRealUser(t *testing.T) {
	waitConsole(t)
	ns := namespace(t)
	application(t, ns, "shop")
	admin := newAPI(t, tokens(t).Admin)

	stream := openStream(t, admin)
	status, body := admin.do(http.MethodPost, "/api/v1/applications/"+ns+"/shop/scale", map[string]any{"replicas": 4})
	if status != http.StatusOK {
		t.Fatalf("scale: %d %v", status, body)
	}
	app := &flotillav1alpha1.Application{}
	if err := framework.HubClient(t).Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "shop"}, app); err != nil {
		t.Fatal(err)
	}
	if app.Spec.Replicas == nil || *app.Spec.Replicas != 4 {
		t.Fatalf("spec.replicas %v after the console's scale", app.Spec.Replicas)
	}
	stream.expect(t, "Application", ns, "shop")

	// A direct change with the admin's token, as kubectl would make it.
	direct := adminClient(t)
	patch := client.MergeFrom(app.DeepCopy())
	app.Labels = map[string]string{"tier": "front"}
	if err := direct.Patch(context.Background(), app, patch); err != nil {
		t.Fatal(err)
	}

	framework.Eventually(t, time.Minute, func() error { return allRecorded(query(t, admin, "app=shop&since=10m")) })
	// Filters: by user, by verb, by cluster (a controller action naming a member).
	for _, r := range query(t, admin, "user="+devfleet.UserAdmin+"&verb=scale&since=10m") {
		if r.Actor.User != devfleet.UserAdmin || r.Verb != "scale" {
			t.Errorf("filter by user and verb returned %+v", r)
		}
	}
	status, body = newAPI(t, tokens(t).Viewer).do(http.MethodGet, "/api/v1/audit?since=yesterday", nil)
	if status != http.StatusBadRequest || body["field"] != "since" {
		t.Errorf("a bad since: %d %v", status, body)
	}
}

func adminClient(t *testing.T) client.Client {
	t.Helper()
	cfg, err := framework.Fleet(t).Hub.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	cfg = rest.AnonymousClientConfig(cfg)
	cfg.BearerToken = tokens(t).Admin
	cfg.UserAgent = "kubectl/v1.35.4 (linux/amd64)"
	c, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func query(t *testing.T, a *api, q string) []audit.Record {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, a.base+"/api/v1/audit?"+q, nil)
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := a.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var body struct {
		Items []audit.Record `json:"items"`
	}
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(resp.Body)
		t.Fatalf("audit query %s: %s %s", q, resp.Status, raw)
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Items
}

func summary(recs []audit.Record) string {
	var lines []string
	for _, r := range recs {
		lines = append(lines, fmt.Sprintf("[%s %s via %q %s %s/%s %s]", r.Source, r.Actor.User, r.Actor.Via, r.Verb, r.Object.Kind, r.Object.Name, r.Outcome))
	}
	return strings.Join(lines, " ")
}

// sse is an open live stream.
type sse struct {
	events chan map[string]any
}

func openStream(t *testing.T, a *api) *sse {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/api/v1/stream", nil)
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := (&http.Client{}).Do(req) //nolint:bodyclose // closed by the reading goroutine below
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	s := &sse{events: make(chan map[string]any, 1024)}
	go func() {
		defer func() { _ = resp.Body.Close() }()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var ev map[string]any
				if json.Unmarshal([]byte(data), &ev) == nil {
					s.events <- ev
				}
			}
		}
	}()
	return s
}

func (s *sse) expect(t *testing.T, kind, ns, name string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev := <-s.events:
			if ev["kind"] == kind && ev["namespace"] == ns && ev["name"] == name {
				return
			}
		case <-deadline:
			t.Fatalf("no change event for %s %s/%s within 20 s", kind, ns, name)
		}
	}
}

// allRecorded checks the four records TestActionsAreAuditedWithTheRealUser expects.
func allRecorded(recs []audit.Record) error {
	var consoleScale, impersonated, directPatch, automated bool
	for _, r := range recs {
		switch {
		case r.Source == audit.SourceFlotilla && r.Actor.User == devfleet.UserAdmin && r.Actor.Via == "console" && r.Verb == "scale" &&
			r.Outcome == audit.OutcomeSuccess && r.After == "replicas 4":
			consoleScale = true
		case r.Source == audit.SourceAPIServer && r.Actor.User == devfleet.UserAdmin && strings.Contains(r.Actor.Via, "impersonated") && r.Verb == "patch":
			impersonated = true
		case r.Source == audit.SourceAPIServer && r.Actor.User == devfleet.UserAdmin && !strings.Contains(r.Actor.Via, "impersonated") && r.Verb == "patch":
			directPatch = true
		case r.Actor.Kind == audit.ActorController && r.Reason != "":
			automated = true
		}
	}
	if !consoleScale || !impersonated || !directPatch || !automated {
		return fmt.Errorf("console scale %v, API server record of it %v, direct patch %v, controller action %v in %d records: %s",
			consoleScale, impersonated, directPatch, automated, len(recs), summary(recs))
	}
	return nil
}
