package audit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/manager"
)

var (
	_ manager.Runnable               = (*Recorder)(nil)
	_ manager.LeaderElectionRunnable = (*Recorder)(nil)
)

// fastOptions are recorder options for tests: quick ticks and retries.
func fastOptions(spool string) RecorderOptions {
	return RecorderOptions{Spool: spool, FlushInterval: 2 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, DrainTimeout: 100 * time.Millisecond}
}

// numbered is the n-th record of a test, its number in Reason.
func numbered(n int) Record {
	r := valid()
	r.Reason = fmt.Sprintf("n=%d", n)
	return r
}

// fakeSink collects what it takes; it refuses while failing is above zero, counting down.
type fakeSink struct {
	mu      sync.Mutex
	failing int
	got     []Record
	calls   int
}

func (s *fakeSink) Append(_ context.Context, recs []Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.failing > 0 {
		s.failing--
		return errors.New("sink unavailable")
	}
	s.got = append(s.got, recs...)
	return nil
}

func (s *fakeSink) records() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Record(nil), s.got...)
}

// failingSink refuses everything.
type failingSink struct{}

func (failingSink) Append(context.Context, []Record) error { return errors.New("sink down") }

// hangingSink answers only when its context ends.
type hangingSink struct{}

func (hangingSink) Append(ctx context.Context, _ []Record) error {
	<-ctx.Done()
	return ctx.Err()
}

func newRecorder(t *testing.T, sink Sink, o RecorderOptions) *Recorder {
	t.Helper()
	r, err := NewRecorder(sink, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// run runs r until the returned stop is called, which returns Run's error.
func run(t *testing.T, r *Recorder) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	return func() error {
		cancel()
		return <-done
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// inOrder checks that got holds the records numbered 0 to n-1, once each, in order.
func inOrder(t *testing.T, got []Record, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("sink got %d records, want %d", len(got), n)
	}
	for i, r := range got {
		if r.Reason != fmt.Sprintf("n=%d", i) {
			t.Fatalf("record %d is %q, want n=%d: not delivered once each, in order", i, r.Reason, i)
		}
	}
}

func TestRecorderDeliversEverythingOnceInOrderAfterTheSinkRecovers(t *testing.T) {
	for name, spool := range map[string]bool{"spool": true, "memory": false} {
		t.Run(name, func(t *testing.T) {
			o := fastOptions("")
			if spool {
				o.Spool = t.TempDir()
			}
			sink := &fakeSink{failing: 5}
			r := newRecorder(t, sink, o)
			stop := run(t, r)
			for i := range 1000 {
				r.Record(numbered(i))
			}
			eventually(t, "all records delivered", func() bool { return r.Pending() == 0 && len(sink.records()) >= 1000 })
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			inOrder(t, sink.records(), 1000)
			if sink.calls < 5+1000/100 {
				t.Errorf("%d calls, want the 5 failures and batches", sink.calls)
			}
			for _, rec := range sink.records() {
				if rec.ID == "" || rec.Time.IsZero() || rec.Time.Location() != time.UTC {
					t.Fatalf("record %+v: want an ID and a UTC time", rec)
				}
			}
		})
	}
}

// TestRecorderCrashChild is the process that crashes for TestARestartResendsWhatACrashLeft.
func TestRecorderCrashChild(t *testing.T) {
	dir := os.Getenv("AUDIT_TEST_CRASH_SPOOL")
	if dir == "" {
		t.Skip("run by TestARestartResendsWhatACrashLeft")
	}
	r, err := NewRecorder(failingSink{}, fastOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = r.Run(context.Background()) }()
	for i := range 250 {
		r.Record(numbered(i))
	}
	os.Exit(3) // no drain, no Close
}

func TestARestartResendsWhatACrashLeft(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRecorderCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "AUDIT_TEST_CRASH_SPOOL="+dir)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("the recording process ended with %v, want a crash with status 3:\n%s", err, out)
	}
	// As if the crash had come in the middle of writing one more record.
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(files) == 0 {
		t.Fatal("the crashed process left no spool")
	}
	f, err := os.OpenFile(files[len(files)-1], os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(`{"id":"20261124T101502.1`)
	_ = f.Close()

	store := openStore(t, t.TempDir(), Retention{})
	sink := &fakeSink{}
	r := newRecorder(t, sink, fastOptions(dir))
	if n := r.Pending(); n != 250 {
		t.Fatalf("%d records pending after the restart, want 250", n)
	}
	stop := run(t, r)
	eventually(t, "the crashed process' records delivered", func() bool { return len(sink.records()) >= 250 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	inOrder(t, sink.records(), 250)
	if err := store.Append(ctx, sink.records()); err != nil {
		t.Fatalf("the re-sent records are not valid: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.jsonl")); len(left) != 0 {
		t.Errorf("spool files left after delivering everything: %v", left)
	}
}

func TestRecordNeverWaitsForAHangingSink(t *testing.T) {
	dir := t.TempDir()
	r := newRecorder(t, hangingSink{}, fastOptions(dir))
	stop := run(t, r)
	start := time.Now()
	const n = 20000
	for i := range n {
		r.Record(numbered(i))
	}
	t.Logf("recorded %d records in %v", n, time.Since(start))
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("recording %d records took %v while the sink hangs", n, took)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v, want nil: the records are kept in the spool", err)
	}
	if got := r.Pending(); got != n {
		t.Errorf("%d pending, want %d", got, n)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl")); len(files) < 2 {
		t.Errorf("%d spool files for %d records, want them split into files of about 1 MiB", len(files), n)
	}

	sink := &fakeSink{}
	again := newRecorder(t, sink, fastOptions(dir))
	stop = run(t, again)
	eventually(t, "delivery after the sink came back", func() bool { return again.Pending() == 0 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	inOrder(t, sink.records(), n)
	if left, _ := filepath.Glob(filepath.Join(dir, "*.jsonl")); len(left) != 0 {
		t.Errorf("spool files left after delivering everything: %v", left)
	}
}

// lostAnswers stores every batch but reports the first few as failed, as when a connection
// breaks after the write.
type lostAnswers struct {
	store *Store
	lose  int
}

func (s *lostAnswers) Append(ctx context.Context, recs []Record) error {
	if err := s.store.Append(ctx, recs); err != nil {
		return err
	}
	if s.lose > 0 {
		s.lose--
		return errors.New("connection reset")
	}
	return nil
}

func TestTheStoreKeepsOneCopyOfARecordSentAgain(t *testing.T) {
	store := openStore(t, t.TempDir(), Retention{})
	r := newRecorder(t, &lostAnswers{store: store, lose: 3}, fastOptions(t.TempDir()))
	stop := run(t, r)
	for i := range 300 {
		r.Record(numbered(i))
	}
	eventually(t, "delivery", func() bool { return r.Pending() == 0 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	got := mustQuery(t, store, Filter{Limit: MaxLimit})
	if len(got) != 300 {
		t.Errorf("the store holds %d records, want 300", len(got))
	}
}

func TestRecorderDropsInvalidRecords(t *testing.T) {
	r := newRecorder(t, &fakeSink{}, fastOptions(t.TempDir()))
	bad := valid()
	bad.Verb = ""
	r.Record(bad)
	if n := r.Pending(); n != 0 {
		t.Errorf("%d pending after an invalid record, want 0", n)
	}
}

func TestASecondRecorderOnTheSameSpoolFails(t *testing.T) {
	dir := t.TempDir()
	newRecorder(t, &fakeSink{}, fastOptions(dir))
	if _, err := NewRecorder(&fakeSink{}, fastOptions(dir)); !errors.Is(err, ErrLocked) {
		t.Fatalf("second recorder: %v, want ErrLocked", err)
	}
}

func TestRunStopsWithTheRecordsItCouldNotSendInMemoryOnly(t *testing.T) {
	r := newRecorder(t, failingSink{}, fastOptions(""))
	stop := run(t, r)
	r.Record(numbered(0))
	err := stop()
	if err == nil || !strings.Contains(err.Error(), "1 records not delivered") {
		t.Fatalf("Run: %v, want an error counting the lost record", err)
	}
}

func TestRunTwiceAtOnceFails(t *testing.T) {
	r := newRecorder(t, hangingSink{}, fastOptions(""))
	stop := run(t, r)
	eventually(t, "the first Run", r.running.Load)
	if err := r.Run(context.Background()); err == nil {
		t.Error("a second Run while the first runs succeeded")
	}
	_ = stop()
}

func TestBackoffDoublesUpToItsCap(t *testing.T) {
	var got []time.Duration
	var d time.Duration
	for range 10 {
		d = nextBackoff(d, 10*time.Second)
		got = append(got, d)
	}
	want := []time.Duration{100, 200, 400, 800, 1600, 3200, 6400, 10000, 10000, 10000}
	for i := range want {
		if got[i] != want[i]*time.Millisecond {
			t.Fatalf("backoffs %v, want %v ms", got, want)
		}
	}
}
