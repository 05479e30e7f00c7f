package join

import (
	"errors"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
)

func TestValidateName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"eu-west-1", true}, {"a", true}, {"member0", true},
		{"", false}, {"EU", false}, {"-a", false}, {"a-", false}, {"a.b", false}, {"a_b", false},
		{strings.Repeat("a", 63), true}, {strings.Repeat("a", 64), false},
	}
	for _, tt := range tests {
		err := ValidateName(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidName) {
			t.Errorf("ValidateName(%q) error does not match ErrInvalidName: %v", tt.name, err)
		}
	}
}

func FuzzValidateName(f *testing.F) {
	for _, s := range []string{"eu-west-1", "", "A", "a.b", "-", strings.Repeat("x", 70)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if ValidateName(name) != nil {
			return
		}
		if len(name) == 0 || len(name) > 63 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" ||
			strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-") {
			t.Fatalf("accepted %q, which is not a DNS label", name)
		}
	})
}

const twoContexts = `apiVersion: v1
kind: Config
current-context: a
clusters:
- name: ca
  cluster: {server: "https://127.0.0.1:1"}
- name: cb
  cluster: {server: "https://127.0.0.1:2"}
users:
- name: ua
  user: {token: token-of-user-a-123456}
- name: ub
  user: {token: token-of-user-b-123456}
- name: plugin
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1, command: get-token}
contexts:
- name: a
  context: {cluster: ca, user: ua}
- name: b
  context: {cluster: cb, user: ub}
- name: exec
  context: {cluster: ca, user: plugin}
`

func TestKubeconfigKeepsOnlyTheChosenContext(t *testing.T) {
	out, err := Kubeconfig("", []byte(twoContexts), "b")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CurrentContext != "b" || len(cfg.Contexts) != 1 || len(cfg.AuthInfos) != 1 || len(cfg.Clusters) != 1 {
		t.Fatalf("got current=%q contexts=%d users=%d clusters=%d", cfg.CurrentContext, len(cfg.Contexts), len(cfg.AuthInfos), len(cfg.Clusters))
	}
	if strings.Contains(string(out), "token-of-user-a") {
		t.Fatal("the other context's credential was stored")
	}
}

func TestKubeconfigErrors(t *testing.T) {
	tests := []struct {
		name, context string
		want          error
		mention       string
	}{
		{"missing context", "nope", ErrContextNotFound, `"nope"`},
		{"exec plugin", "exec", ErrKubeconfig, "plugin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Kubeconfig("", []byte(twoContexts), tt.context)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.mention) {
				t.Fatalf("got %v, want %v mentioning %s", err, tt.want, tt.mention)
			}
			if strings.Contains(err.Error(), "token-of-user") {
				t.Fatalf("error leaks a token: %v", err)
			}
		})
	}
	if _, err := Kubeconfig("/does/not/exist", nil, ""); !errors.Is(err, ErrKubeconfig) {
		t.Fatalf("missing file: got %v", err)
	}
}

func FuzzKubeconfig(f *testing.F) {
	f.Add([]byte(twoContexts), "b")
	f.Add([]byte(twoContexts), "")
	f.Add([]byte("current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {token: token-of-user-a-123456}}]"), "x")
	f.Fuzz(func(t *testing.T, data []byte, context string) {
		out, err := Kubeconfig("", data, context)
		if err != nil {
			if strings.Contains(err.Error(), "token-of-user") {
				t.Fatalf("error quotes a credential: %v", err)
			}
			return
		}
		cfg, err := clientcmd.Load(out)
		if err != nil {
			t.Fatalf("stored kubeconfig does not load: %v", err)
		}
		if len(cfg.Contexts) != 1 || cfg.Contexts[cfg.CurrentContext] == nil {
			t.Fatalf("stored kubeconfig must hold exactly its current context, got %d contexts", len(cfg.Contexts))
		}
	})
}
