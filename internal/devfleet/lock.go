package devfleet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"k8s.io/utils/clock"
)

// lockHome takes an exclusive lock on the fleet's home folder so that two `dev up`/`dev down`
// never work on it at once; a second caller waits. The kernel drops the lock if we die.
func lockHome(ctx context.Context, home string, clk clock.WithTicker) (func(), error) {
	path := filepath.Join(home, ".lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("locking the fleet's home folder: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			_ = f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, fmt.Errorf("another flotilla command is using the fleet in %s: %w", home, ctx.Err())
		case <-clk.After(200 * time.Millisecond):
		}
	}
}
