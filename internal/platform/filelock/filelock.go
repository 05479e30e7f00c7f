// Package filelock takes exclusive advisory locks on files (flock), waiting for another
// process that holds one. The kernel releases a lock when its holder dies, so a crashed
// command never leaves a stale lock behind.
package filelock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"k8s.io/utils/clock"
)

// Acquire locks path (creating the file), retrying every interval until it gets the lock or
// ctx ends. onWait, when set, is called once, the first time the lock is found taken. The
// returned function releases the lock.
func Acquire(ctx context.Context, path string, clk clock.Clock, interval time.Duration, onWait func()) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the lock %s: %w", path, err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				_ = f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			_ = f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if onWait != nil {
			onWait()
			onWait = nil
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, ctx.Err()
		case <-clk.After(interval):
		}
	}
}
