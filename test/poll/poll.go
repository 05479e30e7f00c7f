// Package poll waits in tests for the world to reach a state: Until retries a check until it
// passes or a timeout ends the test with the check's last error. Tests assert states this way,
// never elapsed times.
package poll

import (
	"testing"
	"time"
)

// Interval is how often Until retries.
const Interval = 100 * time.Millisecond

// Until calls check every Interval until it returns nil, failing the test with the last error
// once timeout has passed.
func Until(t testing.TB, timeout time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not true after %s: %v", timeout, err)
			return
		}
		time.Sleep(Interval)
	}
}
