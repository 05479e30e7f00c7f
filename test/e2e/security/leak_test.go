// Package security holds the fleet-wide secret hygiene tests: after a run that exercises
// joining, propagation, the console (good and bad tokens) and the audit trail, no member
// credential and no console token appears anywhere Flotilla writes: object statuses, events,
// the controller's log, the audit trail (Flotilla's store and the hub API server's log) and the
// console's error answers.
package security

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/devfleet"
	"flotilla.dev/flotilla/test/framework"
)

func TestMain(m *testing.M) {
	os.Exit(framework.Main(m, framework.Options{Members: 2, AfterUp: framework.StartHub(framework.HubOptions{Console: true})}))
}

// secrets are the strings that must never be written anywhere: the members' client keys (whole,
// base64, and each line of the PEM body), their tokens if any, and the hub's console tokens.
func secrets(t *testing.T) []string {
	t.Helper()
	f := framework.Fleet(t)
	var out []string
	for _, m := range f.Members {
		cfg, err := clientcmd.LoadFromFile(m.KubeconfigPath)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range cfg.AuthInfos {
			if len(u.ClientKeyData) > 0 {
				out = append(out, base64.StdEncoding.EncodeToString(u.ClientKeyData))
				for _, line := range bytes.Split(u.ClientKeyData, []byte("\n")) {
					if len(line) > 16 && !bytes.HasPrefix(line, []byte("-----")) {
						out = append(out, string(line))
					}
				}
			}
			if u.Token != "" {
				out = append(out, u.Token)
			}
		}
	}
	tokens, err := f.Tokens()
	if err != nil {
		t.Fatal(err)
	}
	return append(out, tokens.Admin, tokens.Viewer, tokens.AuditIngest)
}

// leaks names the secrets found in text.
func leaks(text string, secrets []string) []string {
	var found []string
	for i, s := range secrets {
		if strings.Contains(text, s) {
			found = append(found, fmt.Sprintf("secret #%d (%d chars)", i, len(s)))
		}
	}
	return found
}

func post(t *testing.T, url, token string, body any) string {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	out, _ := io.ReadAll(resp.Body)
	return string(out)
}

func TestNoCredentialOrTokenIsWrittenAnywhere(t *testing.T) {
	ctx := context.Background()
	f := framework.Fleet(t)
	hub := framework.HubClient(t)
	tokens, err := f.Tokens()
	if err != nil {
		t.Fatal(err)
	}
	base := strings.TrimSuffix(f.ConsoleURL(), "/")
	secret := secrets(t)
	// The matcher finds what it looks for: the credentials' own files hold every secret.
	own := ""
	for _, p := range append([]string{filepath.Join(f.Hub.Dir, "pki", "tokens.csv")}, memberKubeconfigs(f)...) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		own += string(b)
	}
	if found := leaks(own, secret); len(found) < 3+len(f.Members) {
		t.Fatalf("the matcher finds only %v in the credentials' own files", found)
	}

	// Exercise: an application propagated, the console used with good, wrong and
	// wrong-kind-of tokens, a refused action, a malformed one.
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "security-"}}
	if err := hub.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hub.Delete(context.Background(), ns) })
	app := framework.WebApplication(t, ns.Name, "web", 2, corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m")}}, nil)
	if err := hub.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	framework.Eventually(t, time.Minute, func() error {
		cur := &flotillav1alpha1.Application{}
		if err := hub.Get(ctx, client.ObjectKeyFromObject(app), cur); err != nil {
			return err
		}
		if cur.Status.ReadyReplicas != 2 {
			return fmt.Errorf("%d ready", cur.Status.ReadyReplicas)
		}
		return nil
	})
	var answers []string
	answers = append(answers,
		post(t, base+"/api/v1/login", "", map[string]string{"token": tokens.Admin + "x"}),
		post(t, base+"/api/v1/applications/"+ns.Name+"/web/scale", tokens.Viewer, map[string]int{"replicas": 3}),
		post(t, base+"/api/v1/applications/"+ns.Name+"/web/scale", tokens.Admin, map[string]any{"replicas": "three"}),
		post(t, base+"/api/v1/applications/"+ns.Name+"/web/scale", tokens.Admin, map[string]int{"replicas": 3}),
		post(t, base+"/api/v1/audit/ingest", tokens.Viewer, map[string]any{"items": []any{}}),
	)
	for _, member := range f.Members {
		answers = append(answers, post(t, base+"/api/v1/login", "", map[string]string{"token": member.Name}))
	}
	time.Sleep(3 * time.Second) // the audit webhook batches for up to 1 s

	// Sweep: statuses, events, the console's answers, every file the fleet's processes and
	// the in-process controller wrote except the credentials' own files.
	where := map[string]string{"console answers": strings.Join(answers, "\n")}
	var clusters flotillav1alpha1.MemberClusterList
	if err := hub.List(ctx, &clusters); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(clusters)
	where["MemberCluster objects"] = string(raw)
	var apps flotillav1alpha1.ApplicationList
	if err := hub.List(ctx, &apps, client.InNamespace(ns.Name)); err != nil {
		t.Fatal(err)
	}
	raw, _ = json.Marshal(apps)
	where["Application objects"] = string(raw)
	var evs eventsv1.EventList
	if err := hub.List(ctx, &evs); err != nil {
		t.Fatal(err)
	}
	raw, _ = json.Marshal(evs)
	where["events"] = string(raw)
	var coreEvs corev1.EventList
	if err := hub.List(ctx, &coreEvs); err != nil {
		t.Fatal(err)
	}
	raw, _ = json.Marshal(coreEvs)
	where["core events"] = string(raw)
	files := 0
	err = filepath.WalkDir(f.Home, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(f.Home, path)
		switch {
		case strings.Contains(rel, "/pki/"), strings.HasSuffix(rel, "kubeconfig"), strings.Contains(rel, "/etcd/"),
			strings.HasSuffix(rel, ".pid"), strings.Contains(rel, "/prometheus/data/"), rel == "fleet.json":
			return nil // the credentials' own files, the databases, process bookkeeping
		}
		content, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		where[rel] = string(content)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, must := range []string{filepath.Join("hub", "logs", "audit.log"), "flotilla-controller.log"} {
		if _, ok := where[must]; !ok {
			t.Errorf("%s was not swept (files: %d)", must, files)
		}
	}
	auditFiles := 0
	for name := range where {
		if strings.HasPrefix(name, filepath.Join("audit", "records")) {
			auditFiles++
		}
	}
	if auditFiles == 0 {
		t.Error("the audit trail's records were not swept")
	}
	for name, text := range where {
		if found := leaks(text, secret); len(found) > 0 {
			t.Errorf("%s contains %s", name, strings.Join(found, ", "))
		}
	}
	t.Logf("swept %d files, statuses, events and %d console answers for %d secrets (users %s, %s, %s)",
		files, len(answers), len(secret), devfleet.UserAdmin, devfleet.UserViewer, devfleet.UserAuditIngest)
}

func memberKubeconfigs(f *devfleet.Fleet) []string {
	var out []string
	for _, m := range f.Members {
		out = append(out, m.KubeconfigPath)
	}
	return out
}
