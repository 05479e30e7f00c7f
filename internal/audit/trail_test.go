package audit

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
)

// TestALocalTrailRecordsQueriesAndRetains: records reach the trail's store, its retention is
// applied while it runs (a record older than MaxAge is dropped), and the store is closed once
// the trail stops, so it can be opened again.
func TestALocalTrailRecordsQueriesAndRetains(t *testing.T) {
	dir := t.TempDir()
	now := time.Now().UTC()
	old := openStore(t, filepath.Join(dir, "records"), Retention{})
	if err := old.Append(context.Background(), []Record{at("old", now.Add(-72*time.Hour), "alice", "scale")}); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	tr, err := OpenLocal(dir, Retention{MaxAge: 24 * time.Hour}, logr.Discard())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tr.Start(ctx) }()
	tr.Record(at("new", now, "bob", "undo"))
	deadline := time.Now().Add(10 * time.Second)
	for {
		recs, err := tr.Query(context.Background(), Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(ids(recs), ",") == "new" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the trail holds %v, want only the new record", ids(recs))
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	again := openStore(t, filepath.Join(dir, "records"), Retention{})
	if got := ids(mustQuery(t, again, Filter{})); strings.Join(got, ",") != "new" {
		t.Errorf("after the trail stopped the store holds %v", got)
	}
}

func TestATrailWithoutAStoreCannotBeQueried(t *testing.T) {
	if _, err := (&Trail{}).Query(context.Background(), Filter{}); err == nil {
		t.Error("a trail that sends its records elsewhere answered a query")
	}
}
