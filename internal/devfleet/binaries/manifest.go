package binaries

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// ManifestFile is the name of the manifest inside a binaries folder.
const ManifestFile = "manifest.json"

// Manifest records what a binaries folder holds, so that a corrupt or half-written folder is
// told apart from a complete one.
type Manifest struct {
	Pins     Pins                    `json:"pins"`
	Platform string                  `json:"platform"`
	Binaries map[string]BinaryRecord `json:"binaries"`
}

// BinaryRecord is one binary's checksum. Size and ModTime let a verification skip hashing an
// untouched file; any change to either makes it hash the file again.
type BinaryRecord struct {
	SHA256  string    `json:"sha256"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"modTime"`
}

// CorruptError means a binaries folder does not match its manifest.
type CorruptError struct {
	Dir    string
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("binary cache at %s is corrupt (%s): run 'flotilla dev binaries --rebuild'", e.Dir, e.Reason)
}

func platform() string { return runtime.GOOS + "/" + runtime.GOARCH }

// recordFor hashes one file.
func recordFor(path string) (BinaryRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return BinaryRecord{}, err
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return BinaryRecord{}, err
	}
	st, err := f.Stat()
	if err != nil {
		return BinaryRecord{}, err
	}
	return BinaryRecord{SHA256: hex.EncodeToString(h.Sum(nil)), Size: st.Size(), ModTime: st.ModTime().UTC()}, nil
}

// writeManifest hashes every binary in dir and writes the manifest atomically.
func writeManifest(dir string, pins Pins) error {
	m := Manifest{Pins: pins, Platform: platform(), Binaries: map[string]BinaryRecord{}}
	for _, name := range All {
		rec, err := recordFor(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("hashing %s: %w", name, err)
		}
		m.Binaries[name] = rec
	}
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, ManifestFile+".tmp")
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, ManifestFile))
}

// readManifest returns the manifest of dir; os.ErrNotExist when there is none.
func readManifest(dir string) (*Manifest, error) {
	raw, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, err
	}
	m := &Manifest{}
	if err := json.Unmarshal(raw, m); err != nil {
		return nil, &CorruptError{Dir: dir, Reason: "unreadable " + ManifestFile}
	}
	return m, nil
}

// Verify checks dir against its manifest: the pins, the platform and every binary's checksum.
// A binary whose size and modification time match the manifest is not hashed again.
func Verify(dir string, pins Pins) error {
	m, err := readManifest(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return &CorruptError{Dir: dir, Reason: ManifestFile + " missing"}
		}
		return err
	}
	if m.Pins != pins || m.Platform != platform() {
		return &CorruptError{Dir: dir, Reason: fmt.Sprintf("built for %+v on %s, want %+v on %s", m.Pins, m.Platform, pins, platform())}
	}
	for _, name := range All {
		if err := verifyBinary(dir, name, m.Binaries[name]); err != nil {
			return err
		}
	}
	return nil
}

func verifyBinary(dir, name string, want BinaryRecord) error {
	path := filepath.Join(dir, name)
	st, err := os.Stat(path)
	if err != nil {
		return &CorruptError{Dir: dir, Reason: name + " missing"}
	}
	if want.SHA256 == "" || st.Size() != want.Size {
		return &CorruptError{Dir: dir, Reason: name + " checksum mismatch"}
	}
	if st.ModTime().UTC().Equal(want.ModTime) {
		return nil
	}
	got, err := recordFor(path)
	if err != nil {
		return &CorruptError{Dir: dir, Reason: name + " unreadable"}
	}
	if got.SHA256 != want.SHA256 {
		return &CorruptError{Dir: dir, Reason: name + " checksum mismatch"}
	}
	return nil
}

// adopt writes a manifest for a folder that holds every binary but no manifest (a folder filled
// by hand), after checking that each binary runs and reports the pinned version.
func adopt(ctx context.Context, dir string, pins Pins) error {
	want := map[string]string{
		KubeAPIServer:         pins.Kubernetes,
		KubeControllerManager: pins.Kubernetes,
		KubeScheduler:         pins.Kubernetes,
		Etcd:                  strings.TrimPrefix(pins.Etcd, "v"),
		KWOK:                  pins.KWOK,
		MetricsServer:         pins.MetricsServer,
	}
	for _, name := range All {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		out, err := exec.CommandContext(ctx, filepath.Join(dir, name), "--version").CombinedOutput()
		cancel()
		if err != nil {
			return &CorruptError{Dir: dir, Reason: fmt.Sprintf("%s --version failed: %v", name, err)}
		}
		if !strings.Contains(string(out), want[name]) {
			return &CorruptError{Dir: dir, Reason: fmt.Sprintf("%s is not version %s", name, want[name])}
		}
	}
	return writeManifest(dir, pins)
}
