package binaries

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeSet writes shell scripts named like the binaries that print the pinned versions.
func fakeSet(t *testing.T, dir string, pins Pins) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	versions := map[string]string{
		KubeAPIServer: "Kubernetes " + pins.Kubernetes, KubeControllerManager: "Kubernetes " + pins.Kubernetes,
		KubeScheduler: "Kubernetes " + pins.Kubernetes, Etcd: "etcd Version: " + strings.TrimPrefix(pins.Etcd, "v"),
		KWOK: "kwok version " + pins.KWOK, MetricsServer: pins.MetricsServer,
	}
	for name, v := range versions {
		script := fmt.Sprintf("#!/bin/sh\necho '%s'\n", v)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func cacheDir(t *testing.T) string {
	t.Helper()
	t.Setenv(EnvDir, "")
	t.Setenv("FLOTILLA_CACHE_DIR", t.TempDir())
	dir, err := DefaultPins.Dir()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestEnsureAdoptsAHandFilledFolderThenDetectsCorruption(t *testing.T) {
	dir := cacheDir(t)
	fakeSet(t, dir, DefaultPins)
	ctx := context.Background()

	got, err := Ensure(ctx, DefaultPins, nil)
	if err != nil || got != dir {
		t.Fatalf("Ensure = %q, %v; want %q adopted", got, err, dir)
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestFile)); err != nil {
		t.Fatalf("no manifest written on adoption: %v", err)
	}
	if err := Verify(dir, DefaultPins); err != nil {
		t.Fatalf("adopted folder does not verify: %v", err)
	}

	// Same size, different content, new modification time: the checksum must catch it.
	path := filepath.Join(dir, KubeAPIServer)
	raw, _ := os.ReadFile(path)
	raw[len(raw)-2] = 'X'
	if err := os.WriteFile(path, raw, 0o755); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(path, future, future); err != nil {
		t.Fatal(err)
	}
	_, err = Ensure(ctx, DefaultPins, nil)
	var corrupt *CorruptError
	if !errors.As(err, &corrupt) {
		t.Fatalf("Ensure on a corrupt folder = %v, want a CorruptError", err)
	}
	want := "binary cache at " + dir + " is corrupt (kube-apiserver checksum mismatch): run 'flotilla dev binaries --rebuild'"
	if err.Error() != want {
		t.Fatalf("error:\n%s\nwant:\n%s", err, want)
	}
}

func TestEnsureRefusesToAdoptWrongVersions(t *testing.T) {
	dir := cacheDir(t)
	fakeSet(t, dir, Pins{Kubernetes: "v1.34.0", Etcd: DefaultPins.Etcd, KWOK: DefaultPins.KWOK, MetricsServer: DefaultPins.MetricsServer})
	_, err := Ensure(context.Background(), DefaultPins, nil)
	if err == nil || !strings.Contains(err.Error(), "kube-apiserver is not version v1.35.4") {
		t.Fatalf("err = %v, want a version mismatch for kube-apiserver", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a manifest was written for a folder that failed adoption")
	}
}

func TestVerifyHalfWrittenFolder(t *testing.T) {
	dir := cacheDir(t)
	fakeSet(t, dir, DefaultPins)
	if err := writeManifest(dir, DefaultPins); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(dir, Etcd), 3); err != nil {
		t.Fatal(err)
	}
	err := Verify(dir, DefaultPins)
	if err == nil || !strings.Contains(err.Error(), "(etcd checksum mismatch)") {
		t.Fatalf("Verify = %v, want an etcd checksum mismatch", err)
	}
	if err := os.Remove(filepath.Join(dir, KWOK)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, Etcd), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = Ensure(context.Background(), DefaultPins, nil)
	if err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("Ensure = %v, want corrupt", err)
	}
}

func TestVerifyOtherPins(t *testing.T) {
	dir := cacheDir(t)
	fakeSet(t, dir, DefaultPins)
	if err := writeManifest(dir, DefaultPins); err != nil {
		t.Fatal(err)
	}
	other := DefaultPins
	other.KWOK = "v0.7.0"
	if err := Verify(dir, other); err == nil || !strings.Contains(err.Error(), "built for") {
		t.Fatalf("Verify with other pins = %v, want a pins mismatch", err)
	}
}

// TestKeyChangesWithEveryPin: a new pin of any binary must not reuse a cache built for others.
func TestKeyChangesWithEveryPin(t *testing.T) {
	keys := map[string]string{DefaultPins.Key(): "default"}
	for name, change := range map[string]func(*Pins){
		"kubernetes":     func(p *Pins) { p.Kubernetes = "v1.35.3" },
		"etcd":           func(p *Pins) { p.Etcd = "v3.6.15" },
		"kwok":           func(p *Pins) { p.KWOK = "v0.7.0" },
		"metrics-server": func(p *Pins) { p.MetricsServer = "v0.8.0" },
	} {
		p := DefaultPins
		change(&p)
		if other, dup := keys[p.Key()]; dup {
			t.Errorf("changing the %s pin keeps the key of %s: %s", name, other, p.Key())
		}
		keys[p.Key()] = name
	}
	if !strings.Contains(DefaultPins.Key(), "-ms-"+DefaultPins.MetricsServer+"-") {
		t.Errorf("key %s does not name the metrics-server pin", DefaultPins.Key())
	}
}

func TestEnsureWithoutGo(t *testing.T) {
	cacheDir(t)
	t.Setenv("PATH", t.TempDir())
	_, err := Ensure(context.Background(), DefaultPins, nil)
	if !errors.Is(err, ErrNoGo) || !strings.Contains(err.Error(), "install Go 1.26") {
		t.Fatalf("err = %v, want ErrNoGo", err)
	}
}

// TestEnsureBuildsFromModules builds the real binaries into an empty cache. With a warm Go
// build cache this takes about a minute; cold, about fifteen.
func TestEnsureBuildsFromModules(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the binaries build (minutes) in -short mode")
	}
	dir := cacheDir(t)
	var out strings.Builder
	got, err := Ensure(context.Background(), DefaultPins, &out)
	if err != nil {
		t.Fatalf("Ensure: %v\nprogress:\n%s", err, out.String())
	}
	if got != dir {
		t.Fatalf("built into %s, want %s", got, dir)
	}
	if err := Verify(dir, DefaultPins); err != nil {
		t.Fatal(err)
	}
	if err := adopt(context.Background(), dir, DefaultPins); err != nil {
		t.Fatalf("built binaries do not report the pinned versions: %v", err)
	}
	for _, step := range []string{"building kube-apiserver, kube-controller-manager, kube-scheduler", "building metrics-server"} {
		if !strings.Contains(out.String(), step) {
			t.Errorf("progress does not name the step %q:\n%s", step, out.String())
		}
	}
}
