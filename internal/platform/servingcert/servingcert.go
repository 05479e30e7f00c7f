// Package servingcert serves a TLS certificate from a pair of PEM files and picks up new files
// without a restart. Unlike controller-runtime's certwatcher it needs no inotify instance (a
// per-user resource that busy machines run out of, failing the whole manager with "too many
// open files"): it compares the files' size and modification time on each TLS handshake, which
// for an admission webhook is a few stat calls per request.
package servingcert

import (
	"crypto/tls"
	"fmt"
	"os"
	"sync"
	"time"
)

// Files serves the key pair in CertFile and KeyFile. The zero value is not usable; use New.
type Files struct {
	certFile, keyFile string

	mu      sync.Mutex
	stamp   [2]stamp
	current *tls.Certificate
}

// stamp identifies one version of a file.
type stamp struct {
	size    int64
	modTime time.Time
}

// New loads the key pair once, so a missing or broken pair fails at startup.
func New(certFile, keyFile string) (*Files, error) {
	f := &Files{certFile: certFile, keyFile: keyFile}
	if _, err := f.GetCertificate(nil); err != nil {
		return nil, err
	}
	return f, nil
}

// GetCertificate returns the key pair, reloading it when either file changed since the last
// load. While a new pair does not load (e.g. the certificate is rewritten before its key), it
// keeps serving the last good pair. It fits tls.Config.GetCertificate.
func (f *Files) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now, err := f.stamps()
	if err != nil && f.current == nil {
		return nil, err
	}
	if err != nil || (f.current != nil && now == f.stamp) {
		return f.current, nil
	}
	pair, err := tls.LoadX509KeyPair(f.certFile, f.keyFile)
	if err != nil {
		if f.current == nil {
			return nil, fmt.Errorf("loading the serving certificate %s and key %s: %w", f.certFile, f.keyFile, err)
		}
		return f.current, nil
	}
	f.current, f.stamp = &pair, now
	return f.current, nil
}

// TLSOpt sets GetCertificate on a tls.Config, e.g. for webhook.Options.TLSOpts.
func (f *Files) TLSOpt(c *tls.Config) { c.GetCertificate = f.GetCertificate }

func (f *Files) stamps() ([2]stamp, error) {
	var out [2]stamp
	for i, name := range []string{f.certFile, f.keyFile} {
		st, err := os.Stat(name)
		if err != nil {
			return out, err
		}
		out[i] = stamp{size: st.Size(), modTime: st.ModTime()}
	}
	return out, nil
}
