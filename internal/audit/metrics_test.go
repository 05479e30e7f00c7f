package audit

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"flotilla.dev/flotilla/internal/platform/promreg/promregtest"
)

// TestRecorderMetrics: records are counted by source, dropped ones apart, each failed batch is
// a write failure, and the gauges follow what waits and what the store holds.
func TestRecorderMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	store, err := Open(t.TempDir(), Retention{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	sink := &flakyStore{Store: store, failing: 3}
	o := fastOptions(t.TempDir())
	o.Registerer = reg
	r := newRecorder(t, sink, o)
	for i := range 10 {
		r.Record(numbered(i))
	}
	fromAPIServer := numbered(10)
	fromAPIServer.Source = SourceAPIServer
	r.Record(fromAPIServer)
	r.Record(Record{Verb: "nothing else"}) // invalid: dropped
	value := func(name string, labels map[string]string) float64 {
		v, _ := promregtest.Value(t, reg, name, labels)
		return v
	}
	if got := value("flotilla_audit_pending_records", nil); got != 0 {
		t.Errorf("pending %v before the recorder ran", got)
	}
	stop := run(t, r)
	defer func() { _ = stop() }()
	eventually(t, "the records stored and the gauges updated", func() bool {
		return value("flotilla_audit_store_bytes", nil) > 0 && value("flotilla_audit_pending_records", nil) == 0 && r.Pending() == 0
	})
	for name, want := range map[string]float64{
		"flotilla_audit_dropped_records_total": 1,
		"flotilla_audit_write_failures_total":  3,
		"flotilla_audit_store_bytes":           float64(store.Size()),
	} {
		if got := value(name, nil); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	for source, want := range map[string]float64{SourceFlotilla: 10, SourceAPIServer: 1} {
		if got := value("flotilla_audit_records_total", map[string]string{"source": source}); got != want {
			t.Errorf("records from %s: %v, want %v", source, got, want)
		}
	}
}

// flakyStore is a Store that refuses the first batches.
type flakyStore struct {
	*Store
	failing int
}

func (s *flakyStore) Append(ctx context.Context, recs []Record) error {
	if s.failing > 0 {
		s.failing--
		return context.DeadlineExceeded
	}
	return s.Store.Append(ctx, recs)
}

func TestStoreSizeFollowsAppendsAndRetention(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Retention{MaxAge: 48 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	old, recent := valid(), valid()
	old.Time, recent.Time = t0.Add(-72*time.Hour), t0
	if err := s.Append(context.Background(), []Record{old}); err != nil {
		t.Fatal(err)
	}
	oldSize := s.Size()
	if err := s.Append(context.Background(), []Record{recent}); err != nil {
		t.Fatal(err)
	}
	if oldSize <= 0 || s.Size() <= oldSize {
		t.Fatalf("sizes %d then %d: appends do not count", oldSize, s.Size())
	}
	total := s.Size()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(dir, Retention{MaxAge: 48 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if s.Size() != total {
		t.Errorf("reopened: %d bytes, want %d", s.Size(), total)
	}
	if err := s.Enforce(t0); err != nil {
		t.Fatal(err)
	}
	if want := total - oldSize; s.Size() != want {
		t.Errorf("after retention: %d bytes, want %d", s.Size(), want)
	}
}
