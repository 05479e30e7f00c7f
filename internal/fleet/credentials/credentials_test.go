package credentials

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

func TestClassify(t *testing.T) {
	server := "https://10.0.0.1:6443"
	urlErr := func(err error) error { return &url.Error{Op: "Get", URL: server + "/version", Err: err} }
	tests := []struct {
		name       string
		err        error
		want       error
		reason     string
		mentioning string
	}{
		{"401", apierrors.NewUnauthorized("Unauthorized"), ErrUnauthorized, flotillav1alpha1.ReasonUnauthorized, "flotilla join"},
		{"403", apierrors.NewForbidden(schema.GroupResource{Resource: "nodes"}, "", errors.New("no")), ErrForbidden, flotillav1alpha1.ReasonProbeFailed, "403"},
		{"unknown authority", urlErr(x509.UnknownAuthorityError{}), ErrUnknownAuthority, flotillav1alpha1.ReasonCredentialInvalid, "certificate-authority-data"},
		{"wrong host", urlErr(x509.HostnameError{Certificate: &x509.Certificate{}, Host: "10.0.0.1"}), ErrBadCertificate, flotillav1alpha1.ReasonCredentialInvalid, "tls-server-name"},
		{"expired", urlErr(x509.CertificateInvalidError{Reason: x509.Expired}), ErrBadCertificate, flotillav1alpha1.ReasonCredentialInvalid, "expired"},
		{"refused", urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), ErrUnreachable, flotillav1alpha1.ReasonProbeFailed, "connection refused"},
		{"missing secret", fmt.Errorf("%w: gone", ErrMissing), ErrMissing, flotillav1alpha1.ReasonCredentialMissing, "gone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Classify(tt.err, server)
			if !errors.Is(got, tt.want) {
				t.Fatalf("Classify = %v, want %v", got, tt.want)
			}
			if !strings.Contains(got.Error(), tt.mentioning) {
				t.Errorf("%q does not mention %q", got, tt.mentioning)
			}
			if r := Reason(got); r != tt.reason {
				t.Errorf("Reason = %s, want %s", r, tt.reason)
			}
		})
	}
	if Classify(nil, server) != nil {
		t.Error("Classify(nil) must be nil")
	}
}

func TestRedactor(t *testing.T) {
	key := "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yLrg2hUvaU1sYSDBgGMVh5wmDVDoAoGCCqGSM49\n-----END EC PRIVATE KEY-----\n"
	r := RedactorFor(&clientcmdapi.Config{AuthInfos: map[string]*clientcmdapi.AuthInfo{
		"u": {Token: "sekret-token-value", ClientKeyData: []byte(key), Password: "pw"},
	}})
	in := "token sekret-token-value key MHcCAQEEIBkg4LVWM9nuwNSk3yLrg2hUvaU1sYSDBgGMVh5wmDVDoAoGCCqGSM49 b64 " +
		base64.StdEncoding.EncodeToString([]byte(key)) + " short pw stays"
	out := r.Redact(in)
	for _, s := range []string{"sekret-token-value", "MHcCAQEEIBkg4LVWM9nu", base64.StdEncoding.EncodeToString([]byte(key))} {
		if strings.Contains(out, s) {
			t.Errorf("not redacted: %s in %q", s, out)
		}
	}
	if !strings.Contains(out, "pw stays") {
		t.Errorf("values too short to be secrets must not blank the text: %q", out)
	}
	wrapped := r.RedactError(fmt.Errorf("%w: sekret-token-value", ErrUnauthorized))
	if !errors.Is(wrapped, ErrUnauthorized) || strings.Contains(wrapped.Error(), "sekret") {
		t.Errorf("RedactError: %v", wrapped)
	}
}

const sampleKubeconfig = `apiVersion: v1
kind: Config
current-context: c
clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: u, user: {token: fuzz-secret-token-1234}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
`

func TestParse(t *testing.T) {
	cfg, err := Parse([]byte(sampleKubeconfig))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.REST.Host != "https://127.0.0.1:6443" || cfg.REST.BearerToken != "fuzz-secret-token-1234" {
		t.Fatalf("parsed %s", cfg.REST.Host)
	}
	for _, bad := range []string{"", "{", "apiVersion: v1\nkind: Config\n"} {
		if _, err := Parse([]byte(bad)); !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(sampleKubeconfig))
	f.Add([]byte("token: fuzz-secret-token-1234\n:"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Parse(data)
		if err != nil && strings.Contains(err.Error(), "fuzz-secret-token-1234") {
			t.Fatalf("a parse error quotes the credential: %v", err)
		}
	})
}
