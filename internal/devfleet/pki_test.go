package devfleet

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func parseCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		t.Fatalf("%s holds no PEM", path)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func TestWritePKI(t *testing.T) {
	dir := t.TempDir()
	c := newCluster("member-1", RoleMember, dir, filepath.Join(dir, "kubeconfig"))
	c.NodeAddress = "192.0.2.10"
	now := time.Now()
	if _, _, err := writePKI(c, now); err != nil {
		t.Fatal(err)
	}
	ca := parseCert(t, c.pki("ca.crt"))
	roots := x509.NewCertPool()
	roots.AddCert(ca)

	serving := parseCert(t, c.pki("serving.crt"))
	if _, err := serving.Verify(x509.VerifyOptions{Roots: roots, DNSName: "127.0.0.1"}); err != nil {
		t.Errorf("serving certificate not valid for 127.0.0.1: %v", err)
	}
	// localhost: metrics-server scrapes kwok there; the node address: the API server's node
	// proxy reaches kwok there; the service name: the aggregation layer checks it when proxying
	// to metrics-server.
	for _, name := range []string{"localhost", c.NodeAddress, "metrics-server.kube-system.svc"} {
		if _, err := serving.Verify(x509.VerifyOptions{Roots: roots, DNSName: name}); err != nil {
			t.Errorf("serving certificate not valid for %s: %v", name, err)
		}
	}
	for _, id := range clientIdentities() {
		cert := parseCert(t, c.pki(id.file+".crt"))
		if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			t.Errorf("%s: %v", id.file, err)
		}
		if cert.Subject.CommonName != id.user || !slices.Equal(cert.Subject.Organization, id.groups) {
			t.Errorf("%s: subject %v, want %s in %v", id.file, cert.Subject, id.user, id.groups)
		}
	}
	for _, secret := range []string{"ca.key", "serving.key", "admin.key", "sa.key"} {
		st, err := os.Stat(c.pki(secret))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is readable by others: %v", secret, st.Mode())
		}
	}
}
