package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/examples"
	"flotilla.dev/flotilla/internal/cli"
	"flotilla.dev/flotilla/test/framework"
)

// flotilla runs the CLI against the local fleet's hub and returns its output.
func flotilla(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append(args, "--kubeconfig", framework.Fleet(t).Hub.KubeconfigPath)
	if code := cli.Execute(context.Background(), args, &out, &errOut); code != 0 {
		t.Fatalf("flotilla %s exited %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String()
}

// TestTheSampleApplicationThroughTheCLI is the journey of the README: apply the sample, watch
// it become ready on every member, read it with get and describe, then delete it everywhere.
func TestTheSampleApplicationThroughTheCLI(t *testing.T) {
	f := framework.Fleet(t)
	hub := framework.HubClient(t)
	ns := namespace(t, hub)
	for _, m := range f.Members {
		waitMemberReady(t, m.Name) // the sample divides over every Ready member
	}
	file := filepath.Join(t.TempDir(), "sample-app.yaml")
	if err := os.WriteFile(file, examples.SampleApplicationYAML(), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := flotilla(t, "apply", "-f", file, "-n", ns); !strings.Contains(out, "application.flotilla.dev/web serverside-applied") {
		t.Fatalf("apply printed %q", out)
	}

	key := client.ObjectKey{Namespace: ns, Name: "web"}
	framework.Eventually(t, 90*time.Second, func() error {
		var app flotillav1alpha1.Application
		if err := hub.Get(context.Background(), key, &app); err != nil {
			return err
		}
		st := app.Status
		if st.Replicas != 6 || st.ReadyReplicas != 6 || len(st.Clusters) != len(f.Members) {
			return fmt.Errorf("replicas %d ready %d over %d clusters, want 6/6 over %d: %+v", st.Replicas, st.ReadyReplicas, len(st.Clusters), len(f.Members), st)
		}
		return nil
	})

	wide := flotilla(t, "get", "apps", "-n", ns, "-o", "wide")
	for _, m := range f.Members {
		if !strings.Contains(wide, m.Name+"=") {
			t.Errorf("get apps -o wide shows no distribution for %s:\n%s", m.Name, wide)
		}
	}
	if !strings.Contains(wide, "6/6") {
		t.Errorf("get apps -o wide does not show 6/6 ready:\n%s", wide)
	}
	desc := flotilla(t, "describe", "app", "web", "-n", ns)
	for _, want := range []string{"Divided by AvailableCapacity", "first release of web v1", "RevisionCreated"} {
		if !strings.Contains(desc, want) {
			t.Errorf("describe app lacks %q:\n%s", want, desc)
		}
	}

	var app flotillav1alpha1.Application
	if err := hub.Get(context.Background(), key, &app); err != nil {
		t.Fatal(err)
	}
	if err := hub.Delete(context.Background(), &app); err != nil {
		t.Fatal(err)
	}
	framework.Eventually(t, 60*time.Second, func() error {
		if err := hub.Get(context.Background(), key, &app); !apierrors.IsNotFound(err) {
			return fmt.Errorf("the Application is still there (%w)", err)
		}
		for name, m := range framework.MemberClients(t) {
			if err := m.Get(context.Background(), key, &appsv1.Deployment{}); !apierrors.IsNotFound(err) {
				return fmt.Errorf("%s still runs the sample (%w)", name, err)
			}
		}
		return nil
	})
}
