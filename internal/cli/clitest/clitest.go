// Package clitest runs the flotilla command line against a real kube-apiserver in tests. A test
// package declares one Server, stops it from TestMain, and each test asks it for a Hub: the API
// server (started by the first test that needs it, with Flotilla's CRDs and no controllers, so
// tests write status themselves), a client, an admin kubeconfig and a namespace of its own.
//
//	var server clitest.Server
//
//	func TestMain(m *testing.M) { code := m.Run(); server.Stop(); os.Exit(code) }
//
//	func TestX(t *testing.T) { h := server.Hub(t); out, code := h.Flotilla("get", "apps") ... }
//
// Under -short, or without the pinned binaries (make binaries), Hub skips the test.
package clitest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"flotilla.dev/flotilla/config"
	"flotilla.dev/flotilla/internal/cli"
	"flotilla.dev/flotilla/internal/devfleet/binaries"
	"flotilla.dev/flotilla/internal/platform/scheme"
)

// Server is the API server of one test binary. The zero value is ready; it starts on the first
// call of Hub and runs until Stop.
type Server struct {
	once       sync.Once
	env        *envtest.Environment
	dir        string
	c          client.Client
	kubeconfig string
	err        error
}

// Hub is the API server as one test sees it.
type Hub struct {
	// C is an admin client.
	C client.Client
	// Kubeconfig is the path of an admin kubeconfig; its context's user is "envtest".
	Kubeconfig string
	// NS is the test's own namespace, named after the test.
	NS string
}

// Hub starts the server if it is not running and creates a namespace for t.
func (s *Server) Hub(t *testing.T) *Hub {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: starts kube-apiserver and etcd (run without -short)")
	}
	dir, err := binaries.DefaultPins.Find()
	if err != nil {
		t.Skipf("integration test needs the pinned binaries (make binaries): %v", err)
	}
	s.once.Do(func() { s.err = s.start(dir) })
	if s.err != nil {
		t.Fatal(s.err)
	}
	h := &Hub{C: s.c, Kubeconfig: s.kubeconfig, NS: strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))}
	if err := h.C.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: h.NS}}); err != nil {
		t.Fatal(err)
	}
	return h
}

func (s *Server) start(binDir string) error {
	crds, err := config.CRDs()
	if err != nil {
		return err
	}
	ctrl.SetLogger(logr.Discard())
	s.env = &envtest.Environment{BinaryAssetsDirectory: binDir, Scheme: scheme.Scheme, CRDs: crds}
	cfg, err := s.env.Start()
	if err != nil {
		return fmt.Errorf("starting envtest: %w", err)
	}
	user, err := s.env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return err
	}
	raw, err := user.KubeConfig()
	if err != nil {
		return err
	}
	if s.dir, err = os.MkdirTemp("", "flotilla-cli-test-"); err != nil {
		return err
	}
	s.kubeconfig = filepath.Join(s.dir, "kubeconfig")
	if err := os.WriteFile(s.kubeconfig, raw, 0o600); err != nil {
		return err
	}
	s.c, err = client.New(cfg, client.Options{Scheme: scheme.Scheme})
	return err
}

// Stop stops the server if it was started and removes its kubeconfig. Call it from TestMain.
func (s *Server) Stop() {
	if s.env != nil {
		_ = s.env.Stop()
	}
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
}

// Flotilla runs the command line against the hub, in the test's namespace, and returns its
// output (stdout then stderr) and exit code.
func (h *Hub) Flotilla(args ...string) (string, int) {
	var out, errOut bytes.Buffer
	code := cli.Execute(context.Background(), h.Args(args), &out, &errOut)
	return out.String() + errOut.String(), code
}

// Args are args with -n for the test's namespace and --kubeconfig for the hub.
func (h *Hub) Args(args []string) []string {
	return append(append([]string{}, args...), "-n", h.NS, "--kubeconfig", h.Kubeconfig)
}
