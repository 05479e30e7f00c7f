package devfleet

import (
	"bytes"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

func TestIssueServingCert(t *testing.T) {
	dir := t.TempDir()
	hub := newCluster("hub", RoleHub, filepath.Join(dir, "hub"), filepath.Join(dir, "hub.kubeconfig"))
	now := time.Now()
	if _, _, err := writePKI(hub, now); err != nil {
		t.Fatal(err)
	}
	clk := clocktesting.NewFakeClock(now)
	f := &Fleet{Hub: hub}
	f.init(clk, nil, false)
	certDir := filepath.Join(dir, "hub", "webhook")

	caPEM, err := f.IssueServingCert("flotilla-webhook", certDir)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := os.ReadFile(hub.CAPath); !bytes.Equal(caPEM, want) {
		t.Errorf("caBundle is not the hub's CA")
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	cert := parseCert(t, filepath.Join(certDir, "tls.crt"))
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: "127.0.0.1"}); err != nil {
		t.Errorf("serving certificate not valid for 127.0.0.1 under the hub's CA: %v", err)
	}
	if st, err := os.Stat(filepath.Join(certDir, "tls.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("tls.key: %v, mode %v, want 0600", err, st.Mode())
	}

	if _, err := f.IssueServingCert("flotilla-webhook", certDir); err != nil {
		t.Fatal(err)
	}
	if again := parseCert(t, filepath.Join(certDir, "tls.crt")); !again.Equal(cert) {
		t.Error("a second call replaced a certificate that is still good")
	}

	clk.SetTime(cert.NotAfter.Add(-renewBefore / 2))
	if _, err := f.IssueServingCert("flotilla-webhook", certDir); err != nil {
		t.Fatal(err)
	}
	if renewed := parseCert(t, filepath.Join(certDir, "tls.crt")); renewed.Equal(cert) {
		t.Error("a certificate close to expiry was kept")
	}
}
