package devfleet

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"k8s.io/utils/clock"

	"flotilla.dev/flotilla/internal/platform/filelock"
)

// lockHome takes an exclusive lock on the fleet's home folder so that two `dev up`/`dev down`
// never work on it at once; a second caller waits. The kernel drops the lock if we die.
func lockHome(ctx context.Context, home string, clk clock.WithTicker) (func(), error) {
	release, err := filelock.Acquire(ctx, filepath.Join(home, ".lock"), clk, 200*time.Millisecond, nil)
	if err != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("another flotilla command is using the fleet in %s: %w", home, err)
	}
	if err != nil {
		return nil, fmt.Errorf("locking the fleet's home folder: %w", err)
	}
	return release, nil
}
