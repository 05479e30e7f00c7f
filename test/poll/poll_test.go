package poll

import (
	"errors"
	"fmt"
	"testing"
)

// recorder is a testing.TB that records Fatalf instead of stopping the test.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
}

func TestUntilReturnsOnceTheCheckPasses(t *testing.T) {
	calls := 0
	r := &recorder{TB: t}
	Until(r, 5*Interval, func() error {
		calls++
		if calls < 3 {
			return errors.New("not yet")
		}
		return nil
	})
	if r.failed != "" || calls != 3 {
		t.Fatalf("calls=%d failed=%q, want 3 calls and no failure", calls, r.failed)
	}
}

func TestUntilFailsWithTheLastError(t *testing.T) {
	r := &recorder{TB: t}
	Until(r, 0, func() error { return errors.New("member-2 not Ready") })
	if r.failed != "not true after 0s: member-2 not Ready" {
		t.Fatalf("failure message %q", r.failed)
	}
}
