package unjoin_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"flotilla.dev/flotilla/internal/cli"
	"flotilla.dev/flotilla/internal/devfleet/binaries"
	"flotilla.dev/flotilla/internal/platform/scheme"
)

// startEnv starts a real API server; it returns the path of an admin kubeconfig for it.
func startEnv(t *testing.T, crds bool) string {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: starts kube-apiserver and etcd (run without -short)")
	}
	dir, err := binaries.DefaultPins.Find()
	if err != nil {
		t.Skipf("integration test needs the pinned binaries: %v", err)
	}
	ctrl.SetLogger(logr.Discard())
	env := &envtest.Environment{BinaryAssetsDirectory: dir, Scheme: scheme.Scheme}
	if crds {
		_, file, _, _ := runtime.Caller(0)
		env.CRDDirectoryPaths = []string{filepath.Join(filepath.Dir(file), "..", "..", "..", "config", "crd", "bases")}
		env.ErrorIfCRDPathMissing = true
	}
	if _, err := env.Start(); err != nil {
		t.Fatalf("starting envtest: %v", err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	user, err := env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func run(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Execute(context.Background(), args, &out, &errOut)
	return out.String() + errOut.String(), code
}

func TestJoinGetUnjoinFromTheCommandLine(t *testing.T) {
	hub := startEnv(t, true)
	member := startEnv(t, false)

	if out, code := run(t, "join", "Bad_Name", "--kubeconfig", member, "--hub-kubeconfig", hub); code != 2 || !strings.Contains(out, "invalid cluster name") {
		t.Fatalf("join with a bad name: exit %d\n%s", code, out)
	}
	out, code := run(t, "join", "eu-1", "--kubeconfig", member, "--hub-kubeconfig", hub, "--region", "eu")
	if code != 0 || !strings.Contains(out, "membercluster/eu-1 joined") {
		t.Fatalf("join: exit %d\n%s", code, out)
	}
	if out, _ := run(t, "__complete", "unjoin", "--kubeconfig", hub, ""); !strings.Contains(out, "eu-1") {
		t.Fatalf("completion of unjoin does not offer the cluster:\n%s", out)
	}
	out, code = run(t, "get", "clusters", "--kubeconfig", hub)
	if code != 0 || !strings.Contains(out, "NAME") || !strings.Contains(out, "eu-1") || !strings.Contains(out, "eu ") {
		t.Fatalf("get clusters: exit %d\n%s", code, out)
	}
	out, code = run(t, "get", "clusters", "eu-1", "-o", "yaml", "--kubeconfig", hub)
	if code != 0 || !strings.Contains(out, "kind: MemberCluster") || strings.Contains(out, "client-key") {
		t.Fatalf("get clusters -o yaml: exit %d\n%s", code, out)
	}

	out, code = run(t, "unjoin", "eu-1", "--kubeconfig", hub)
	if code != 1 || !strings.Contains(out, "would remove") || !strings.Contains(out, "MemberCluster eu-1") || !strings.Contains(out, "--yes") {
		t.Fatalf("unjoin without --yes: exit %d\n%s", code, out)
	}
	if out, code := run(t, "get", "clusters", "eu-1", "--kubeconfig", hub); code != 0 {
		t.Fatalf("unjoin without --yes removed the cluster: exit %d\n%s", code, out)
	}
	out, code = run(t, "unjoin", "eu-1", "--yes", "--kubeconfig", hub)
	if code != 0 || !strings.Contains(out, "unjoined") {
		t.Fatalf("unjoin --yes: exit %d\n%s", code, out)
	}
	out, code = run(t, "get", "clusters", "--kubeconfig", hub)
	if code != 0 || !strings.Contains(out, "No clusters joined") {
		t.Fatalf("get clusters after unjoin: exit %d\n%s", code, out)
	}
}
