package audit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"k8s.io/utils/clock"

	"flotilla.dev/flotilla/internal/platform/filelock"
)

// ErrLocked is returned when a Store or a Recorder's spool is opened on a directory that
// another Store or Recorder, in this process or another, already has open.
var ErrLocked = errors.New("in use by another process or another opener in this one")

// ErrClosed is returned by a Store used after Close.
var ErrClosed = errors.New("audit: the store is closed")

// lockFile is the name of the lock in a store's or a spool's directory.
const lockFile = "lock"

// openDir creates dir if needed, takes its lock without waiting and opens it as a root under
// which every file of the store or spool is reached. The returned function releases both.
func openDir(dir, what string) (*os.Root, func(), error) {
	if dir == "" {
		return nil, nil, fmt.Errorf("the %s directory is required", what)
	}
	dir = filepath.Clean(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("creating the %s directory: %w", what, err)
	}
	// A cancelled context makes Acquire try once: onWait tells a taken lock from other errors.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	taken := false
	release, err := filelock.Acquire(ctx, filepath.Join(dir, lockFile), clock.RealClock{}, time.Hour, func() { taken = true })
	if taken {
		return nil, nil, fmt.Errorf("audit %s %s: %w", what, dir, ErrLocked)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("locking the audit %s: %w", what, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		release()
		return nil, nil, fmt.Errorf("opening the audit %s: %w", what, err)
	}
	return root, func() { _ = root.Close(); release() }, nil
}

// syncDir makes the creation or removal of files in root durable.
func syncDir(root *os.Root) error {
	d, err := root.Open(".")
	if err != nil {
		return err
	}
	defer func() { _ = d.Close() }()
	return d.Sync()
}
