package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/utils/clock"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Sink takes batches of records: the Store, an HTTPSink, or any shared store. Append either
// takes the whole batch or fails; a batch may be sent again after a failure, or after a crash,
// with the same IDs, so a sink should skip IDs it already holds (the Store does).
type Sink interface {
	Append(ctx context.Context, recs []Record) error
}

// RecorderOptions tune a Recorder; zero values take the defaults.
type RecorderOptions struct {
	// Spool is a directory where records wait for the sink, so that neither an outage of the
	// sink nor a restart of the process while it lasts loses any. "" keeps them in memory
	// only, at most MaxQueue, lost on a restart.
	Spool string
	// MaxBatch is the most records one Append carries; default 100.
	MaxBatch int
	// FlushInterval is how often waiting records are sent and the spool is synced to disk;
	// default 200ms. A full batch is sent at once.
	FlushInterval time.Duration
	// MaxBackoff caps the wait between attempts while the sink fails, which grows from 100ms;
	// default 10s.
	MaxBackoff time.Duration
	// SendTimeout bounds one Append; default 30s.
	SendTimeout time.Duration
	// DrainTimeout bounds the last sending when Run stops; default 5s.
	DrainTimeout time.Duration
	// MaxQueue is the most records waiting in memory: with no spool, or when writing the spool
	// fails; default 100000. Records over it are dropped, with an error logged. Records kept
	// in memory because the spool failed are sent after those in the spool.
	MaxQueue int
	// Clock is the time source; default the real clock.
	Clock clock.WithTicker
	// Log receives the recorder's errors (records it had to drop, a failing sink).
	Log logr.Logger
	// Registerer receives the recorder's metrics (flotilla_audit_*); default
	// controller-runtime's metrics.Registry, which a manager serves on its metrics endpoint.
	Registerer prometheus.Registerer
}

func (o *RecorderOptions) defaults() {
	if o.MaxBatch <= 0 {
		o.MaxBatch = 100
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = 200 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 10 * time.Second
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 30 * time.Second
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = 5 * time.Second
	}
	if o.MaxQueue <= 0 {
		o.MaxQueue = 100000
	}
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	if o.Registerer == nil {
		o.Registerer = crmetrics.Registry
	}
}

// firstBackoff is the wait after the first failed attempt; it doubles up to MaxBackoff.
const firstBackoff = 100 * time.Millisecond

// Recorder takes records from anywhere in the process without ever waiting for the sink, and
// sends them in batches, in the order recorded, retrying with backoff while the sink fails.
//
// Delivery is at least once: a record recorded is sent until the sink takes it, across
// restarts when there is a spool (a batch the sink took just before a crash, before the
// recorder noted it, is sent again, with the same IDs). What Record returned has reached the
// spool file, so a crash of the process loses nothing; a crash of the machine loses at most
// the last FlushInterval, which the spool was not yet synced for.
type Recorder struct {
	sink    Sink
	o       RecorderOptions
	disk    *spool // nil without a spool
	mem     memQueue
	wake    chan struct{}
	running atomic.Bool
	metrics *metrics
}

// NewRecorder returns a recorder sending to sink. With a spool directory it takes the
// directory's lock (failing with ErrLocked while another recorder holds it) and takes over the
// records a previous process left there, which are sent first.
func NewRecorder(sink Sink, o RecorderOptions) (*Recorder, error) {
	if sink == nil {
		return nil, errors.New("audit: a recorder needs a sink")
	}
	o.defaults()
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, fmt.Errorf("audit: registering the recorder's metrics: %w", err)
	}
	r := &Recorder{sink: sink, o: o, mem: memQueue{max: o.MaxQueue}, wake: make(chan struct{}, 1), metrics: m}
	if o.Spool != "" {
		s, err := openSpool(o.Spool)
		if err != nil {
			return nil, err
		}
		r.disk = s
	}
	return r, nil
}

// Record queues rec for the sink and returns without waiting for it. It fills in what is
// missing (the time, from the clock; an ID), normalizes rec, and drops it with an error logged
// when it is not valid (Validate). Safe for concurrent use.
func (r *Recorder) Record(rec Record) {
	if rec.Time.IsZero() {
		rec.Time = r.o.Clock.Now()
	}
	Normalize(&rec)
	if rec.ID == "" {
		rec.ID = NewID(rec.Time)
	}
	if err := rec.Validate(); err != nil {
		r.metrics.dropped.Inc()
		r.o.Log.Error(err, "Dropping an invalid audit record", "id", rec.ID, "verb", rec.Verb, "user", rec.Actor.User)
		return
	}
	if r.disk != nil {
		line, err := json.Marshal(rec)
		if err == nil {
			err = r.disk.add(append(line, '\n'))
		}
		if err == nil {
			r.metrics.records.WithLabelValues(rec.Source).Inc()
			r.nudge()
			return
		}
		r.o.Log.Error(err, "Keeping an audit record in memory only: the spool failed", "id", rec.ID)
	}
	if !r.mem.push(rec) {
		r.metrics.dropped.Inc()
		r.o.Log.Error(nil, "Dropping an audit record: too many waiting for the sink", "id", rec.ID,
			"verb", rec.Verb, "user", rec.Actor.User, "kind", rec.Object.Kind, "name", rec.Object.Name)
		return
	}
	r.metrics.records.WithLabelValues(rec.Source).Inc()
	r.nudge()
}

// nudge wakes the sending loop when a batch is full.
func (r *Recorder) nudge() {
	if r.Pending() < r.o.MaxBatch {
		return
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Pending is the number of records the sink has not taken yet.
func (r *Recorder) Pending() int {
	n := r.mem.len()
	if r.disk != nil {
		n += r.disk.count()
	}
	return n
}

// Start runs the recorder as a controller-runtime Runnable; see Run.
func (r *Recorder) Start(ctx context.Context) error { return r.Run(ctx) }

// NeedLeaderElection tells a controller-runtime manager to run the recorder in every replica:
// each records its own actions.
func (r *Recorder) NeedLeaderElection() bool { return false }

// Run sends records until ctx ends, then sends what it can within DrainTimeout. Records it
// could not send stay in the spool for the next process (Run returns nil); without a spool
// they are lost, and Run says how many.
func (r *Recorder) Run(ctx context.Context) error {
	if !r.running.CompareAndSwap(false, true) {
		return errors.New("audit: the recorder is already running")
	}
	defer r.running.Store(false)
	ticker := r.o.Clock.NewTicker(r.o.FlushInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return r.drain(ctx)
		case <-ticker.C():
		case <-r.wake:
		}
		if !r.sendWithBackoff(ctx, ticker) {
			return r.drain(ctx)
		}
		r.metrics.observe(r)
	}
}

// sendWithBackoff sends everything waiting, retrying while the sink fails, and keeps syncing
// the spool meanwhile. It reports false when ctx ended first.
func (r *Recorder) sendWithBackoff(ctx context.Context, ticker clock.Ticker) bool {
	var backoff time.Duration
	for {
		r.syncSpool()
		err := r.sendAll(ctx)
		if err == nil {
			return true
		}
		backoff = nextBackoff(backoff, r.o.MaxBackoff)
		r.o.Log.Error(err, "Audit records not delivered; retrying", "pending", r.Pending(), "retryIn", backoff)
		timer := r.o.Clock.NewTimer(backoff)
		for waiting := true; waiting; {
			select {
			case <-ctx.Done():
				timer.Stop()
				return false
			case <-ticker.C():
				r.syncSpool()
				r.metrics.observe(r)
			case <-timer.C():
				waiting = false
			}
		}
	}
}

// nextBackoff doubles the wait, from firstBackoff up to max.
func nextBackoff(cur, max time.Duration) time.Duration {
	next := 2 * cur
	if cur == 0 {
		next = firstBackoff
	}
	return min(next, max)
}

func (r *Recorder) syncSpool() {
	if r.disk == nil {
		return
	}
	if err := r.disk.sync(); err != nil {
		r.o.Log.Error(err, "Syncing the audit spool")
	}
}

// sendAll sends batches until none is left or one fails.
func (r *Recorder) sendAll(ctx context.Context) error {
	for {
		recs, done, err := r.next()
		if err != nil || recs == nil {
			return err
		}
		if len(recs) > 0 {
			sctx, cancel := context.WithTimeout(ctx, r.o.SendTimeout)
			err = r.sink.Append(sctx, recs)
			cancel()
			if err != nil {
				r.metrics.writeFailures.Inc()
				return err
			}
		}
		if err := done(); err != nil {
			return err
		}
	}
}

// next returns the next batch (nil when nothing waits) and what to call once the sink took
// it: the spool's records first, as they are the oldest.
func (r *Recorder) next() ([]Record, func() error, error) {
	if r.disk != nil && r.disk.count() > 0 {
		b, err := r.disk.peek(r.o.MaxBatch)
		if err != nil || b.lines == 0 {
			return nil, nil, err
		}
		return nonNil(b.recs), func() error { return r.disk.ack(b) }, nil
	}
	recs := r.mem.peek(r.o.MaxBatch)
	if len(recs) == 0 {
		return nil, nil, nil
	}
	return recs, func() error { r.mem.drop(len(recs)); return nil }, nil
}

// nonNil tells an empty batch (lines that were not records, to pass over) from none.
func nonNil(recs []Record) []Record {
	if recs == nil {
		return []Record{}
	}
	return recs
}

// drain syncs the spool and sends what it can before DrainTimeout.
func (r *Recorder) drain(ctx context.Context) error {
	r.syncSpool()
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.o.DrainTimeout)
	defer cancel()
	err := r.sendAll(dctx)
	if err == nil {
		return nil
	}
	if n := r.mem.len(); n > 0 {
		return fmt.Errorf("audit: %d records not delivered and lost: %w", n, err)
	}
	r.o.Log.Info("Audit records left in the spool for the next start", "pending", r.Pending(), "reason", err.Error())
	return nil
}

// Close syncs and releases the spool. The records in it stay there and are sent by the next
// recorder opened on it. Call it after Run returned; records recorded afterwards are kept in
// memory only. Without a spool it does nothing.
func (r *Recorder) Close() error {
	if r.disk == nil {
		return nil
	}
	return r.disk.close()
}

// memQueue is the in-memory queue of records, bounded.
type memQueue struct {
	mu   sync.Mutex
	recs []Record
	max  int
}

func (q *memQueue) push(rec Record) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.recs) >= q.max {
		return false
	}
	q.recs = append(q.recs, rec)
	return true
}

func (q *memQueue) peek(n int) []Record {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]Record(nil), q.recs[:min(n, len(q.recs))]...)
}

func (q *memQueue) drop(n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	clear(q.recs[:n])
	q.recs = q.recs[n:]
}

func (q *memQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.recs)
}
