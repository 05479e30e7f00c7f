package binaries

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/utils/clock"
)

// ErrNoGo means the Go toolchain needed to build the binaries is not installed.
var ErrNoGo = errors.New("the 'go' command is not on PATH: install Go 1.26 (https://go.dev/dl/) to build the pinned Kubernetes binaries, or set " + EnvDir + " to a folder that holds them")

// Ensure returns the folder with the binaries of pins, building them first when the cache does
// not have them (about 15 minutes cold, seconds with a warm Go build cache). A folder that holds
// every binary but no manifest is adopted after each binary runs `--version`. A folder that
// does not match its manifest is an error telling how to rebuild; it is never silently reused.
// Progress lines go to progress (nil discards them). Concurrent callers, in this or other
// processes, wait for a single build.
func Ensure(ctx context.Context, pins Pins, progress io.Writer) (string, error) {
	if os.Getenv(EnvDir) != "" {
		return pins.Find()
	}
	b, err := newBuilder(pins, progress)
	if err != nil {
		return "", err
	}
	if ok, err := b.usable(ctx); ok || err != nil {
		return b.dir, err
	}
	unlock, err := b.lock(ctx)
	if err != nil {
		return "", err
	}
	defer unlock()
	if ok, err := b.usable(ctx); ok || err != nil {
		return b.dir, err
	}
	return b.dir, b.build(ctx)
}

// Build rebuilds the binaries of pins even when the cache holds them, and returns their folder.
func Build(ctx context.Context, pins Pins, progress io.Writer) (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		return "", fmt.Errorf("%s=%s points at binaries managed outside flotilla: unset it to let flotilla build them", EnvDir, d)
	}
	b, err := newBuilder(pins, progress)
	if err != nil {
		return "", err
	}
	unlock, err := b.lock(ctx)
	if err != nil {
		return "", err
	}
	defer unlock()
	return b.dir, b.build(ctx)
}

// builder builds one set of pins into the cache.
type builder struct {
	pins     Pins
	root     string // CacheRoot
	dir      string // final binaries folder
	progress *progress
	clock    clock.WithTicker
}

func newBuilder(pins Pins, out io.Writer) (*builder, error) {
	root, err := CacheRoot()
	if err != nil {
		return nil, err
	}
	dir, err := pins.Dir()
	if err != nil {
		return nil, err
	}
	c := clock.RealClock{}
	return &builder{pins: pins, root: root, dir: dir, progress: newProgress(out, c), clock: c}, nil
}

// usable reports whether b.dir holds a verified set; an error when it holds a broken one.
func (b *builder) usable(ctx context.Context) (bool, error) {
	if _, err := os.Stat(b.dir); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	_, err := readManifest(b.dir)
	switch {
	case err == nil:
		if err := Verify(b.dir, b.pins); err != nil {
			return false, err
		}
		return true, nil
	case !errors.Is(err, os.ErrNotExist):
		return false, err
	}
	for _, name := range All {
		if _, err := os.Stat(filepath.Join(b.dir, name)); err != nil {
			return false, &CorruptError{Dir: b.dir, Reason: name + " missing"}
		}
	}
	b.progress.Linef("adopting the binaries in %s (no %s yet)", b.dir, ManifestFile)
	if err := adopt(ctx, b.dir, b.pins); err != nil {
		return false, err
	}
	return true, nil
}

func (b *builder) build(ctx context.Context) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return ErrNoGo
	}
	start := b.clock.Now()
	work := filepath.Join(b.root, "build", b.pins.Key())
	wrappers, err := b.wrappers(ctx, goBin, work)
	if err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(b.dir), fmt.Sprintf(".tmp-%s-%d", b.pins.Key(), os.Getpid()))
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := os.MkdirAll(tmp, 0o750); err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	for _, w := range wrappers {
		dir := filepath.Join(work, w.Name)
		b.progress.Linef("resolving %s modules (go mod tidy)", w.Name)
		if _, err := b.run(ctx, goBin, dir, "tidying "+w.Name, "mod", "tidy"); err != nil {
			return err
		}
		b.progress.Linef("building %s", strings.Join(w.Binaries, ", "))
		if _, err := b.run(ctx, goBin, dir, "building "+strings.Join(w.Binaries, ", "), w.BuildArgs(tmp)...); err != nil {
			return err
		}
	}
	if err := writeManifest(tmp, b.pins); err != nil {
		return fmt.Errorf("writing the manifest of the new binaries: %w", err)
	}
	if err := swapDir(tmp, b.dir); err != nil {
		return err
	}
	b.progress.Linef("binaries ready in %s (%s)", b.dir, b.clock.Since(start).Round(time.Second))
	return nil
}

// wrappers writes the wrapper modules under work and returns them.
func (b *builder) wrappers(ctx context.Context, goBin, work string) ([]Wrapper, error) {
	if err := os.MkdirAll(work, 0o750); err != nil {
		return nil, err
	}
	b.progress.Linef("reading k8s.io/kubernetes@%s's staging modules", b.pins.Kubernetes)
	out, err := b.run(ctx, goBin, work, "downloading k8s.io/kubernetes", "mod", "download", "-json", "k8s.io/kubernetes@"+b.pins.Kubernetes)
	if err != nil {
		return nil, err
	}
	var info struct{ GoMod, Error string }
	if err := json.Unmarshal(out, &info); err != nil || info.GoMod == "" {
		return nil, fmt.Errorf("go mod download k8s.io/kubernetes@%s gave no go.mod (%s): check Pins.Kubernetes and GOPROXY", b.pins.Kubernetes, info.Error)
	}
	raw, err := os.ReadFile(info.GoMod)
	if err != nil {
		return nil, err
	}
	staging, err := StagingModules(raw)
	if err != nil {
		return nil, err
	}
	k8s, err := KubernetesWrapper(b.pins, staging)
	if err != nil {
		return nil, err
	}
	ws := []Wrapper{k8s, EtcdWrapper(b.pins), KWOKWrapper(b.pins), MetricsServerWrapper(b.pins)}
	for _, w := range ws {
		dir := filepath.Join(work, w.Name)
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(w.GoMod), 0o644); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "tools.go"), []byte(w.ToolsGo), 0o644); err != nil {
			return nil, err
		}
	}
	return ws, nil
}

// run runs `go args...` in dir, reporting that what is still running while it takes long, and
// returns its standard output. A failure carries the last lines of the command's output.
func (b *builder) run(ctx context.Context, goBin, dir, what string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	stop := b.progress.While(what)
	err := cmd.Run()
	stop()
	if err != nil {
		return nil, fmt.Errorf("go %s (in %s) failed: %w\n%s", strings.Join(args, " "), dir, err, lastLines(stderr.String(), 20))
	}
	return stdout.Bytes(), nil
}

// swapDir replaces dst with src; an existing dst is moved aside first and removed after.
func swapDir(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return err
	}
	old := fmt.Sprintf("%s.old-%d", dst, os.Getpid())
	hadOld := false
	if _, err := os.Stat(dst); err == nil {
		if err := os.Rename(dst, old); err != nil {
			return fmt.Errorf("moving the old binaries aside: %w", err)
		}
		hadOld = true
	}
	if err := os.Rename(src, dst); err != nil {
		return fmt.Errorf("installing the new binaries: %w", err)
	}
	if hadOld {
		return os.RemoveAll(old)
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
