// Package binaries builds and finds the pinned Kubernetes, etcd, KWOK and metrics-server
// binaries that the local fleet, the integration tests and the benchmarks run. They cannot be
// downloaded here, so they are compiled from the Go module proxy into a cache folder keyed by
// the pins and reused until the pins change.
package binaries

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// Pins are the versions of the binaries the local fleet runs.
type Pins struct {
	Kubernetes string // k8s.io/kubernetes tag, e.g. v1.35.4
	Etcd       string // go.etcd.io/etcd/server/v3 tag
	KWOK       string // sigs.k8s.io/kwok tag
	// MetricsServer is the sigs.k8s.io/metrics-server tag: members serve the metrics API
	// (metrics.k8s.io) with it.
	MetricsServer string
}

// DefaultPins are the versions this release of Flotilla is tested with. Kubernetes 1.35 has
// in-place pod resize GA, which dynamic resource tuning needs.
var DefaultPins = Pins{Kubernetes: "v1.35.4", Etcd: "v3.6.16", KWOK: "v0.8.0", MetricsServer: "v0.9.0"}

// Names of the binaries in a built set.
const (
	KubeAPIServer         = "kube-apiserver"
	KubeControllerManager = "kube-controller-manager"
	KubeScheduler         = "kube-scheduler"
	Etcd                  = "etcd"
	KWOK                  = "kwok"
	MetricsServer         = "metrics-server"
)

// All lists every binary a complete set holds.
var All = []string{KubeAPIServer, KubeControllerManager, KubeScheduler, Etcd, KWOK, MetricsServer}

// EnvDir overrides the folder binaries are looked up in (and built into).
const EnvDir = "FLOTILLA_BINARIES_DIR"

// ErrNotBuilt means the binaries for the pins are not in the cache yet.
var ErrNotBuilt = errors.New("the pinned Kubernetes binaries are not built yet: run 'make binaries' (about 15 minutes the first time)")

// Key identifies a set of binaries: the pins and the platform they were built for.
func (p Pins) Key() string {
	sum := sha256.Sum256([]byte(p.Kubernetes + "|" + p.Etcd + "|" + p.KWOK + "|" + p.MetricsServer + "|" + runtime.GOOS + "/" + runtime.GOARCH))
	return fmt.Sprintf("k8s-%s-etcd-%s-kwok-%s-ms-%s-%s", p.Kubernetes, p.Etcd, p.KWOK, p.MetricsServer, hex.EncodeToString(sum[:4]))
}

// CacheRoot is $FLOTILLA_CACHE_DIR, else the user's cache folder plus "flotilla".
func CacheRoot() (string, error) {
	if d := os.Getenv("FLOTILLA_CACHE_DIR"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding a cache folder: %w (set FLOTILLA_CACHE_DIR)", err)
	}
	return filepath.Join(d, "flotilla"), nil
}

// Dir is the folder that holds (or will hold) the binaries for p.
func (p Pins) Dir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		return d, nil
	}
	root, err := CacheRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "binaries", p.Key()), nil
}

// Find returns the folder holding every binary of p, or ErrNotBuilt.
func (p Pins) Find() (string, error) {
	dir, err := p.Dir()
	if err != nil {
		return "", err
	}
	for _, name := range All {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return "", fmt.Errorf("%w (%s missing in %s)", ErrNotBuilt, name, dir)
		}
	}
	return dir, nil
}
