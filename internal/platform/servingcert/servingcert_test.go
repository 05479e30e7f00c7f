package servingcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writePair writes a self-signed certificate named cn and its key, with the given mtime.
func writePair(t *testing.T, dir, cn string, mtime time.Time) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "tls.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), mtime)
	write(t, filepath.Join(dir, "tls.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), mtime)
}

func write(t *testing.T, path string, data []byte, mtime time.Time) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func commonName(t *testing.T, f *Files) string {
	t.Helper()
	c, err := f.GetCertificate(nil)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return leaf.Subject.CommonName
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	crt, key := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if _, err := New(crt, key); err == nil {
		t.Fatal("New must fail without files")
	}
	t0 := time.Now().Add(-time.Hour)
	writePair(t, dir, "first", t0)
	f, err := New(crt, key)
	if err != nil {
		t.Fatal(err)
	}
	if got := commonName(t, f); got != "first" {
		t.Errorf("serving %q, want first", got)
	}

	writePair(t, dir, "second", t0.Add(time.Minute))
	if got := commonName(t, f); got != "second" {
		t.Errorf("after rewriting the files: serving %q, want second", got)
	}

	write(t, crt, []byte("half-written"), t0.Add(2*time.Minute))
	if got := commonName(t, f); got != "second" {
		t.Errorf("with a broken certificate: serving %q, want the last good one", got)
	}
	if err := os.Remove(key); err != nil {
		t.Fatal(err)
	}
	if got := commonName(t, f); got != "second" {
		t.Errorf("with the key gone: serving %q, want the last good one", got)
	}
}
