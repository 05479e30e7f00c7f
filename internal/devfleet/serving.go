package devfleet

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// renewBefore is how close to expiry a serving certificate IssueServingCert keeps may be.
const renewBefore = 30 * 24 * time.Hour

// IssueServingCert makes dir hold tls.crt and tls.key: a serving certificate for 127.0.0.1 and
// localhost named name, signed by the hub's certificate authority, which the hub API server
// therefore trusts when it calls a webhook on 127.0.0.1. It returns the authority's PEM
// certificate, for a webhook configuration's caBundle. A certificate already in dir that the
// authority signed and that is not close to expiry is kept, so calling it again (a second
// `dev up`) leaves a running server's files alone.
func (f *Fleet) IssueServingCert(name, dir string) (caPEM []byte, err error) {
	a, err := loadAuthority(filepath.Dir(f.Hub.CAPath))
	if err != nil {
		return nil, fmt.Errorf("loading the hub's certificate authority: %w", err)
	}
	if keep(dir, a, f.clock.Now()) {
		return a.pem.cert, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	kp, err := a.issue(name, nil, true, f.clock.Now())
	if err != nil {
		return nil, fmt.Errorf("issuing the serving certificate %s: %w", name, err)
	}
	// The key first: a server reloading on the certificate's change then finds a matching pair.
	if err := os.WriteFile(filepath.Join(dir, "tls.key"), kp.key, 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "tls.crt"), kp.cert, 0o644); err != nil {
		return nil, err
	}
	return a.pem.cert, nil
}

// keep reports whether dir holds a certificate signed by a, valid for another renewBefore.
func keep(dir string, a *authority, now time.Time) bool {
	if _, err := os.Stat(filepath.Join(dir, "tls.key")); err != nil {
		return false
	}
	cert, err := readCert(filepath.Join(dir, "tls.crt"))
	if err != nil || cert.CheckSignatureFrom(a.cert) != nil {
		return false
	}
	return now.Add(renewBefore).Before(cert.NotAfter)
}

// loadAuthority reads ca.crt and ca.key from a cluster's pki folder.
func loadAuthority(dir string) (*authority, error) {
	certPEM, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		return nil, err
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, "ca.key"))
	if err != nil {
		return nil, err
	}
	cert, err := decodeCert(certPEM)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "ca.crt"), err)
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return nil, fmt.Errorf("%s holds no PEM key", filepath.Join(dir, "ca.key"))
	}
	key, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "ca.key"), err)
	}
	return &authority{cert: cert, key: crypto.Signer(key), pem: keyPair{cert: certPEM, key: keyPEM}}, nil
}

func readCert(path string) (*x509.Certificate, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decodeCert(raw)
}

func decodeCert(raw []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}
