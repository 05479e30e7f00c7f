package binaries

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"flotilla.dev/flotilla/internal/platform/filelock"
)

// lock takes an exclusive file lock for building b.pins, so that parallel test packages and
// terminals build once; the others wait and then find the finished set. The lock is released
// by the returned function, and by the kernel if the process dies.
func (b *builder) lock(ctx context.Context) (func(), error) {
	path := filepath.Join(b.root, "binaries", b.pins.Key()+".lock")
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	return filelock.Acquire(ctx, path, b.clock, 500*time.Millisecond, func() {
		b.progress.Linef("another flotilla process is building the binaries; waiting for it (lock %s)", path)
	})
}
