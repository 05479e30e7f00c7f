package filelock

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/utils/clock"
)

func TestASecondHolderWaitsUntilTheFirstReleases(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	release, err := Acquire(context.Background(), path, clock.RealClock{}, 10*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	waited := 0
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := Acquire(ctx, path, clock.RealClock{}, 10*time.Millisecond, func() { waited++ }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Acquire while held: %v, want the context's deadline", err)
	}
	if waited != 1 {
		t.Errorf("onWait called %d times, want once", waited)
	}
	release()
	again, err := Acquire(context.Background(), path, clock.RealClock{}, 10*time.Millisecond, nil)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again()
}
