package audit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var ctx = context.Background()

func openStore(t *testing.T, dir string, ret Retention) *Store {
	t.Helper()
	s, err := Open(dir, ret)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// at is a record with an ID of its own, by user and verb, at a time.
func at(id string, tm time.Time, user, verb string) Record {
	r := valid()
	r.ID, r.Time, r.Actor.User, r.Verb = id, tm, user, verb
	return r
}

func ids(recs []Record) []string {
	out := make([]string, 0, len(recs))
	for _, r := range recs {
		out = append(out, r.ID)
	}
	return out
}

func mustQuery(t *testing.T, s *Store, f Filter) []Record {
	t.Helper()
	recs, err := s.Query(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// threeDays is a small trail over 22 to 24 November.
func threeDays() []Record {
	day := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }
	recs := []Record{
		at("a1", day(22, 9), "alice", "create"),
		at("b1", day(22, 10), "bob", "scale"),
		at("c1", day(23, 9), "flotilla-rollout", "promote"),
		at("a2", day(23, 11), "alice", "scale"),
		at("b2", day(24, 8), "bob", "delete"),
		at("a3", day(24, 9), "alice", "patch"),
		at("a4", day(24, 9), "alice", "update"), // same time as a3: the greater ID is newer
	}
	recs[1].Clusters = []string{"eu-1"}
	recs[2].Actor.Kind, recs[2].Clusters = ActorController, []string{"eu-1", "us-1"}
	recs[4].Object = ObjectRef{Kind: "MemberCluster", Name: "eu-1"}
	recs[5].Source, recs[5].Object = SourceAPIServer, ObjectRef{APIGroup: "flotilla.dev", Kind: "applications", Namespace: "shop", Name: "checkout"}
	return recs
}

func TestStoreQueriesNewestFirst(t *testing.T) {
	s := openStore(t, t.TempDir(), Retention{})
	recs := threeDays()
	// In two calls, out of order: the order of the answer comes from the records' times.
	if err := s.Append(ctx, recs[3:]); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, recs[:3]); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		filter Filter
		want   []string
	}{
		{"everything", Filter{}, []string{"a4", "a3", "b2", "a2", "c1", "b1", "a1"}},
		{"limit", Filter{Limit: 3}, []string{"a4", "a3", "b2"}},
		{"user", Filter{User: "alice"}, []string{"a4", "a3", "a2", "a1"}},
		{"verb", Filter{Verb: "scale"}, []string{"a2", "b1"}},
		{"cluster", Filter{Cluster: "eu-1"}, []string{"c1", "b1"}},
		{"kind", Filter{Kind: "MemberCluster"}, []string{"b2"}},
		{"source", Filter{Source: SourceAPIServer}, []string{"a3"}},
		{"app, by kind and by resource", Filter{Application: "checkout"}, []string{"a4", "a3", "a2", "c1", "b1", "a1"}},
		{"one day", Filter{Since: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)}, []string{"a2", "c1"}},
		{"an hour", Filter{Since: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), Until: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}, []string{"c1"}},
		{"nothing", Filter{User: "mallory"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(mustQuery(t, s, tt.filter)); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	got := mustQuery(t, s, Filter{User: "bob", Limit: 1})
	want := recs[4]
	Normalize(&want)
	if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("stored %+v, want %+v", got, want)
	}
}

func TestStoreFindsValuesThatJSONEscapes(t *testing.T) {
	s := openStore(t, t.TempDir(), Retention{})
	odd := at("odd", t0, `o'brien <&> "x" é\`, "scale")
	odd.Object.Name, odd.Clusters = "café-<1>", []string{"eu&1"}
	if err := s.Append(ctx, []Record{odd, at("plain", t0, "alice", "scale")}); err != nil {
		t.Fatal(err)
	}
	f := Filter{User: odd.Actor.User, Application: odd.Object.Name, Cluster: "eu&1", Since: t0, Until: t0.Add(time.Nanosecond)}
	if got := ids(mustQuery(t, s, f)); !slices.Equal(got, []string{"odd"}) {
		t.Errorf("got %v, want [odd]", got)
	}
}

func TestStoreKeepsOneFilePerDayAndReadsOnlyTheDaysAsked(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Retention{})
	if err := s.Append(ctx, threeDays()); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	for i := range files {
		files[i] = filepath.Base(files[i])
	}
	if want := []string{"2026-11-22.jsonl", "2026-11-23.jsonl", "2026-11-24.jsonl"}; !slices.Equal(files, want) {
		t.Fatalf("segments %v, want %v", files, want)
	}
	tests := []struct {
		name   string
		filter Filter
		reads  int64
	}{
		{"since the last day", Filter{Since: time.Date(2026, 11, 24, 5, 0, 0, 0, time.UTC)}, 1},
		{"until the first day ends", Filter{Until: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}, 1},
		{"a range over two days", Filter{Since: time.Date(2026, 11, 22, 23, 0, 0, 0, time.UTC), Until: time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)}, 2},
		{"a limit the last day fills", Filter{Limit: 2}, 1},
		{"a limit two days fill", Filter{Limit: 4}, 2},
		{"everything", Filter{}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.scanned.Load()
			mustQuery(t, s, tt.filter)
			if got := s.scanned.Load() - before; got != tt.reads {
				t.Errorf("read %d segments, want %d", got, tt.reads)
			}
		})
	}
}

func TestStoreSkipsIDsItHasAlready(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Retention{})
	recs := threeDays()
	if err := s.Append(ctx, append(slices.Clone(recs), recs[0])); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, recs[2:5]); err != nil {
		t.Fatal(err)
	}
	if got := len(mustQuery(t, s, Filter{})); got != len(recs) {
		t.Errorf("%d records after sending some twice, want %d", got, len(recs))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, dir, Retention{})
	if err := s.Append(ctx, recs); err != nil {
		t.Fatal(err)
	}
	if got := len(mustQuery(t, s, Filter{})); got != len(recs) {
		t.Errorf("%d records after sending all again after a restart, want %d", got, len(recs))
	}
}

func TestStoreAssignsIDsAndRefusesInvalidBatchesWhole(t *testing.T) {
	s := openStore(t, t.TempDir(), Retention{})
	r := valid()
	if err := s.Append(ctx, []Record{r, r}); err != nil {
		t.Fatal(err)
	}
	got := mustQuery(t, s, Filter{})
	if len(got) != 2 || got[0].ID == got[1].ID || !strings.HasPrefix(got[0].ID, "20261124T101502.123456789Z-") {
		t.Fatalf("records %v, want two with IDs of their own", ids(got))
	}
	bad := valid()
	bad.Actor.User = ""
	err := s.Append(ctx, []Record{valid(), bad})
	if err == nil || !strings.Contains(err.Error(), "record 1") || !strings.Contains(err.Error(), "actor.user is required") {
		t.Fatalf("error %v, want one naming record 1 and its missing user", err)
	}
	if n := len(mustQuery(t, s, Filter{})); n != 2 {
		t.Errorf("%d records after a refused batch, want the 2 from before", n)
	}
}

func TestStoreRetention(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	days := []time.Time{
		now.AddDate(0, 0, -40), now.AddDate(0, 0, -31), now.AddDate(0, 0, -30), now.AddDate(0, 0, -2),
		now.AddDate(0, 0, -1), now, now.AddDate(0, 0, 1),
	}
	fill := func(t *testing.T, s *Store, perDay int) {
		for _, d := range days {
			var recs []Record
			for i := range perDay {
				recs = append(recs, at("", d.Add(time.Duration(i)*time.Second), "alice", "scale"))
			}
			if err := s.Append(ctx, recs); err != nil {
				t.Fatal(err)
			}
		}
	}
	left := func(t *testing.T, dir string) []string {
		files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
		for i := range files {
			files[i] = strings.TrimSuffix(filepath.Base(files[i]), ".jsonl")
		}
		return files
	}
	t.Run("by age", func(t *testing.T) {
		dir := t.TempDir()
		s := openStore(t, dir, Retention{MaxAge: 30 * 24 * time.Hour})
		fill(t, s, 3)
		if err := s.Enforce(now); err != nil {
			t.Fatal(err)
		}
		// 25 October is 30 days ago: it still holds records younger than that.
		want := []string{"2026-10-25", "2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25"}
		if got := left(t, dir); !slices.Equal(got, want) {
			t.Errorf("segments %v, want %v", got, want)
		}
		if n := len(mustQuery(t, s, Filter{})); n != 3*len(want) {
			t.Errorf("%d records left, want %d", n, 3*len(want))
		}
	})
	t.Run("by size", func(t *testing.T) {
		dir := t.TempDir()
		probe := openStore(t, t.TempDir(), Retention{})
		fill(t, probe, 20)
		info, err := os.Stat(filepath.Join(probe.root.Name(), "2026-11-24.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		perDay := info.Size()
		s := openStore(t, dir, Retention{MaxAge: 365 * 24 * time.Hour, MaxBytes: 4*perDay + perDay/2})
		fill(t, s, 20)
		if err := s.Enforce(now); err != nil {
			t.Fatal(err)
		}
		want := []string{"2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25"}
		if got := left(t, dir); !slices.Equal(got, want) {
			t.Errorf("segments %v, want the newest 4 of %d bytes each: %v", got, perDay, want)
		}
	})
	t.Run("never today", func(t *testing.T) {
		dir := t.TempDir()
		s := openStore(t, dir, Retention{MaxBytes: 1})
		fill(t, s, 2)
		if err := s.Enforce(now); err != nil {
			t.Fatal(err)
		}
		if got, want := left(t, dir), []string{"2026-11-24", "2026-11-25"}; !slices.Equal(got, want) {
			t.Errorf("segments %v, want %v (today's and later ones stay)", got, want)
		}
		if err := s.Append(ctx, []Record{at("late", now.Add(time.Minute), "bob", "scale")}); err != nil {
			t.Fatal(err)
		}
		if n := len(mustQuery(t, s, Filter{})); n != 5 {
			t.Errorf("%d records, want 5", n)
		}
	})
}

func TestStoreSkipsATornLastLineAndWritesAfterIt(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Retention{})
	if err := s.Append(ctx, threeDays()); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	// A crash in the middle of a write leaves part of a line.
	f, err := os.OpenFile(filepath.Join(dir, "2026-11-24.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(`{"id":"torn","time":"2026-11-24T23:00:00Z","source":"flot`)
	_ = f.Close()
	s = openStore(t, dir, Retention{})
	if got := ids(mustQuery(t, s, Filter{})); len(got) != 7 || slices.Contains(got, "torn") {
		t.Fatalf("records %v, want the 7 whole ones", got)
	}
	if err := s.Append(ctx, []Record{at("after", time.Date(2026, 11, 24, 22, 0, 0, 0, time.UTC), "carol", "freeze")}); err != nil {
		t.Fatal(err)
	}
	got := ids(mustQuery(t, s, Filter{Limit: 2}))
	if !slices.Equal(got, []string{"after", "a4"}) {
		t.Errorf("records %v after appending past a torn line, want [after a4]", got)
	}
}

func TestStoreSurvivesReopening(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Retention{})
	if err := s.Append(ctx, threeDays()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Query(ctx, Filter{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Query after Close: %v, want ErrClosed", err)
	}
	if err := s.Append(ctx, threeDays()); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close: %v, want ErrClosed", err)
	}
	s = openStore(t, dir, Retention{})
	if got := ids(mustQuery(t, s, Filter{})); len(got) != 7 {
		t.Errorf("after reopening: %v, want all 7 records", got)
	}
}

func TestASecondStoreOnTheSameDirectoryFails(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Retention{})
	_, err := Open(dir, Retention{})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("second Open: %v, want ErrLocked naming %s", err, dir)
	}
	_ = s.Close()
	again, err := Open(dir, Retention{})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	_ = again.Close()
}

func TestStoreTakesConcurrentAppendsAndQueries(t *testing.T) {
	s := openStore(t, t.TempDir(), Retention{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for b := range 25 {
				var recs []Record
				for i := range 10 {
					recs = append(recs, at(fmt.Sprintf("w%d-%d-%d", w, b, i), t0.Add(time.Duration(w*1000+b*10+i)*time.Minute), "alice", "scale"))
				}
				if err := s.Append(ctx, recs); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for range 20 {
				if _, err := s.Query(ctx, Filter{Limit: MaxLimit}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 20 {
			if err := s.Enforce(t0); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	wg.Wait()
	if n := len(mustQuery(t, s, Filter{Limit: MaxLimit})); n != 2000 {
		t.Errorf("%d records, want 2000", n)
	}
}
