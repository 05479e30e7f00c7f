package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Retention bounds what a Store keeps. Both apply; zero values take the defaults.
type Retention struct {
	// MaxAge drops days whose records are all older than this; default DefaultMaxAge.
	MaxAge time.Duration
	// MaxBytes drops the oldest days while the store is larger; default DefaultMaxBytes.
	MaxBytes int64
}

// Retention defaults.
const (
	DefaultMaxAge   = 30 * 24 * time.Hour
	DefaultMaxBytes = 256 << 20
)

// openSegments is how many segments a Store keeps open for appending, with the IDs they hold.
const openSegments = 3

// Store is the embedded audit store: one JSON-lines file per UTC day of the records' times,
// appended to and fsynced, dropped whole by retention. It is safe for concurrent use; one
// directory is used by one Store at a time (a lock file enforces it across processes).
type Store struct {
	root    *os.Root
	release func()
	ret     Retention

	mu     sync.Mutex // serialises appends, retention and Close
	closed bool
	open   []*segment // most recently used last

	scanned atomic.Int64 // segments read by queries, for tests of the time-range pruning
	bytes   atomic.Int64 // size of the segments, see Size
}

// segment is a day file open for appending, with the IDs it holds.
type segment struct {
	name string
	f    *os.File
	size int64
	ids  map[string]struct{}
}

var _ Sink = (*Store)(nil)

// Open opens (creating it if needed) the store in dir. It fails with ErrLocked when another
// Store, in this process or another, has dir open.
func Open(dir string, ret Retention) (*Store, error) {
	if ret.MaxAge <= 0 {
		ret.MaxAge = DefaultMaxAge
	}
	if ret.MaxBytes <= 0 {
		ret.MaxBytes = DefaultMaxBytes
	}
	root, release, err := openDir(dir, "store")
	if err != nil {
		return nil, err
	}
	s := &Store{root: root, release: release, ret: ret}
	if segs, err := s.segments(); err == nil {
		for _, sg := range segs {
			s.bytes.Add(sg.size)
		}
	}
	return s, nil
}

// Size is how many bytes the store's day files hold: counted when it opens, then kept up to
// date by appends and retention.
func (s *Store) Size() int64 { return s.bytes.Load() }

// Append normalizes recs, gives those without an ID one, and writes them to the segments of
// their days, fsyncing each segment written once. Records whose ID the segment of their day
// already holds are skipped, so a re-sent batch is stored once. Either every record is valid
// and written, or Append fails: an invalid record fails the whole call before anything is
// written; a failed write is rolled back (the records of other days in the same call may
// have been stored).
func (s *Store) Append(ctx context.Context, recs []Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	byDay, err := prepare(recs)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	for _, day := range slices.Sorted(maps.Keys(byDay)) {
		if err := s.appendDay(day, byDay[day]); err != nil {
			return err
		}
	}
	return nil
}

// prepare normalizes, validates and assigns IDs, grouping records by segment name.
func prepare(recs []Record) (map[string][]Record, error) {
	byDay := map[string][]Record{}
	for i, r := range recs {
		Normalize(&r)
		if r.ID == "" {
			r.ID = NewID(r.Time)
		}
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("record %d (%s): %w", i, r.ID, err)
		}
		day := segmentName(r.Time)
		byDay[day] = append(byDay[day], r)
	}
	return byDay, nil
}

// appendDay writes the records not yet in the day's segment and fsyncs it.
func (s *Store) appendDay(day string, recs []Record) error {
	seg, err := s.segment(day)
	if err != nil {
		return err
	}
	var buf []byte
	fresh := make([]string, 0, len(recs))
	batch := map[string]bool{}
	for _, r := range recs {
		if _, ok := seg.ids[r.ID]; ok || batch[r.ID] {
			continue
		}
		batch[r.ID] = true
		line, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("encoding record %s: %w", r.ID, err)
		}
		buf = append(append(buf, line...), '\n')
		fresh = append(fresh, r.ID)
	}
	if len(buf) == 0 {
		return nil
	}
	if _, err := seg.f.Write(buf); err != nil {
		s.rollback(seg)
		return fmt.Errorf("writing audit segment %s: %w", seg.name, err)
	}
	if err := seg.f.Sync(); err != nil {
		s.rollback(seg)
		return fmt.Errorf("syncing audit segment %s: %w", seg.name, err)
	}
	seg.size += int64(len(buf))
	s.bytes.Add(int64(len(buf)))
	for _, id := range fresh {
		seg.ids[id] = struct{}{}
	}
	return nil
}

// rollback cuts a segment back to what was stored before a failed write and forgets it, so
// that the next append reopens it and checks it again.
func (s *Store) rollback(seg *segment) {
	_ = seg.f.Truncate(seg.size)
	s.forget(seg.name)
}

// segment returns the day's segment open for appending, opening it (and closing the least
// recently used one) when needed.
func (s *Store) segment(day string) (*segment, error) {
	for i, seg := range s.open {
		if seg.name == day {
			s.open = append(append(s.open[:i:i], s.open[i+1:]...), seg)
			return seg, nil
		}
	}
	seg, err := s.openSegment(day)
	if err != nil {
		return nil, err
	}
	if len(s.open) == openSegments {
		_ = s.open[0].f.Close()
		s.open = slices.Delete(s.open, 0, 1)
	}
	s.open = append(s.open, seg)
	return seg, nil
}

// openSegment opens or creates a segment, reads the IDs it holds and cuts off a torn last
// line (left by a crash in the middle of a write) so that new lines start on a line of their
// own.
func (s *Store) openSegment(name string) (*segment, error) {
	_, statErr := s.root.Stat(name)
	f, err := s.root.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening audit segment %s: %w", name, err)
	}
	seg := &segment{name: name, f: f, ids: map[string]struct{}{}}
	end, err := scanLines(f, func(line []byte) bool {
		var r struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(line, &r) == nil && r.ID != "" {
			seg.ids[r.ID] = struct{}{}
		}
		return true
	})
	if err == nil {
		err = f.Truncate(end)
	}
	if err == nil {
		_, err = f.Seek(end, io.SeekStart)
	}
	if err == nil && errors.Is(statErr, fs.ErrNotExist) {
		err = syncDir(s.root)
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("reading audit segment %s: %w", name, err)
	}
	seg.size = end
	return seg, nil
}

// forget closes a segment open for appending, if it is.
func (s *Store) forget(name string) {
	for i, seg := range s.open {
		if seg.name == name {
			_ = seg.f.Close()
			s.open = slices.Delete(s.open, i, i+1)
			return
		}
	}
}

// Enforce applies the retention at now: it removes the segments whose whole day is older than
// MaxAge, then the oldest segments while the store holds more than MaxBytes. The segment of
// now's day, and any of a later day, are never removed. Call it periodically (hourly is
// plenty); Open does not.
func (s *Store) Enforce(now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	segs, err := s.segments()
	if err != nil {
		return err
	}
	current := segmentName(now)
	cutoff := now.Add(-s.ret.MaxAge)
	var total int64
	var kept []segmentInfo
	var errs []error
	for _, sg := range segs {
		if sg.name < current && !sg.day.Add(24*time.Hour).After(cutoff) {
			errs = append(errs, s.remove(sg.name))
			continue
		}
		kept = append(kept, sg)
		total += sg.size
	}
	for _, sg := range kept {
		if total <= s.ret.MaxBytes || sg.name >= current {
			break
		}
		errs = append(errs, s.remove(sg.name))
		total -= sg.size
	}
	s.bytes.Store(total)
	return errors.Join(errs...)
}

func (s *Store) remove(name string) error {
	s.forget(name)
	if err := s.root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing audit segment %s: %w", name, err)
	}
	return nil
}

// Close closes the store's files and releases its directory. Further calls fail with
// ErrClosed; Close itself may be called more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var errs []error
	for _, seg := range s.open {
		errs = append(errs, seg.f.Close())
	}
	s.open = nil
	s.release()
	return errors.Join(errs...)
}

// segmentInfo is a segment file found in the store's directory.
type segmentInfo struct {
	name string
	day  time.Time
	size int64
}

const segmentSuffix = ".jsonl"

// segmentName is the name of the segment holding records of time t.
func segmentName(t time.Time) string {
	return t.UTC().Format(time.DateOnly) + segmentSuffix
}

// segments lists the store's segments, oldest first; other files are ignored.
func (s *Store) segments() ([]segmentInfo, error) {
	entries, err := fs.ReadDir(s.root.FS(), ".")
	if err != nil {
		return nil, fmt.Errorf("listing the audit store: %w", err)
	}
	var out []segmentInfo
	for _, e := range entries {
		name := e.Name()
		day, err := time.Parse(time.DateOnly+segmentSuffix, name)
		if err != nil || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		out = append(out, segmentInfo{name: name, day: day, size: info.Size()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}
