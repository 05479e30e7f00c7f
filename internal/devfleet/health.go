package devfleet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// healthClient returns an HTTP client that trusts the cluster's certificate authority.
func healthClient(c Cluster) (*http.Client, error) {
	ca, err := os.ReadFile(c.CAPath)
	if err != nil {
		return nil, fmt.Errorf("reading the %s certificate authority: %w", c.Name, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("%s holds no certificate", c.CAPath)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, DisableKeepAlives: true}
	return &http.Client{Transport: tr, Timeout: 2 * time.Second}, nil
}

// probe checks comp's health endpoint once; nil means healthy.
func probe(ctx context.Context, hc *http.Client, comp Component) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, comp.HealthURL, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d %s", comp.HealthURL, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}

// componentTimeout is how long a component may take to become healthy.
const componentTimeout = 90 * time.Second

// waitHealthy waits until comp answers its health endpoint, failing early (with the end of its
// log) when its process exits.
func (f *Fleet) waitHealthy(ctx context.Context, c Cluster, comp Component) error {
	hc, err := healthClient(c)
	if err != nil {
		return err
	}
	deadline := f.clock.Now().Add(componentTimeout)
	var last error
	for {
		if done, exitErr := f.procs.exited(comp.PIDPath); done {
			return diedError(c.Name, comp, exitErr)
		}
		if !f.procs.tracked(comp.PIDPath) && running(comp) == 0 {
			return diedError(c.Name, comp, nil)
		}
		if last = probe(ctx, hc, comp); last == nil {
			return nil
		}
		if f.clock.Now().After(deadline) {
			return fmt.Errorf("%s %s is not healthy after %s (%w); log %s, last lines:\n%s",
				c.Name, comp.Name, componentTimeout, last, comp.LogPath, indent(logTail(comp, 10)))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-f.clock.After(100 * time.Millisecond):
		}
	}
}
