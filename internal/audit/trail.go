package audit

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/go-logr/logr"
)

// enforceEvery is how often a Trail applies its store's retention.
const enforceEvery = time.Hour

// Trail is a process's audit trail: a Recorder that feeds either the process's own Store (then
// Query reads it) or a Sink elsewhere (Store nil).
type Trail struct {
	Store    *Store
	Recorder *Recorder
}

// OpenLocal opens a trail kept in dir: the records in dir/records, retained by ret, and the
// recorder's spool in dir/spool.
func OpenLocal(dir string, ret Retention, log logr.Logger) (*Trail, error) {
	store, err := Open(filepath.Join(dir, "records"), ret)
	if err != nil {
		return nil, err
	}
	rec, err := NewRecorder(store, RecorderOptions{Spool: filepath.Join(dir, "spool"), Log: log})
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	return &Trail{Store: store, Recorder: rec}, nil
}

// Query reads the trail's own store.
func (t *Trail) Query(ctx context.Context, f Filter) ([]Record, error) {
	if t.Store == nil {
		return nil, errors.New("this process keeps no audit trail of its own (its records are sent elsewhere)")
	}
	return t.Store.Query(ctx, f)
}

// Record keeps a record without blocking.
func (t *Trail) Record(r Record) { t.Recorder.Record(r) }

// Start runs the recorder and, for a trail with its own store, applies the store's retention
// every hour, until ctx ends; then it closes the store.
func (t *Trail) Start(ctx context.Context) error {
	if t.Store == nil {
		return t.Recorder.Start(ctx)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(enforceEvery)
		defer tick.Stop()
		for {
			_ = t.Store.Enforce(time.Now())
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	err := t.Recorder.Start(ctx)
	wg.Wait()
	if cerr := t.Store.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("closing the audit store: %w", cerr)
	}
	return err
}
