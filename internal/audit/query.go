package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"
)

// Query returns the records f matches, newest first (by time, then ID), at most f's limit. It
// reads only the segments whose day overlaps [f.Since, f.Until), newest first, and stops at
// the first day that completes the limit. Lines that are not records (a torn last line left by
// a crash in the middle of a write, or a line being written right now) are skipped. Query
// does not wait for appends.
func (s *Store) Query(ctx context.Context, f Filter) ([]Record, error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	segs, err := s.segments()
	if err != nil {
		return nil, err
	}
	limit := f.limit()
	var out []Record
	for _, sg := range slices.Backward(segs) {
		if len(out) >= limit {
			break
		}
		if !f.overlaps(sg.day, sg.day.Add(24*time.Hour)) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		recs, err := s.readSegment(sg.name, f)
		if err != nil {
			return nil, err
		}
		slices.SortFunc(recs, newestFirst)
		out = append(out, recs...)
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// newestFirst orders records by time, then ID, both descending.
func newestFirst(a, b Record) int {
	if c := b.Time.Compare(a.Time); c != 0 {
		return c
	}
	return strings.Compare(b.ID, a.ID)
}

// readSegment returns the records of one segment that f matches; a segment removed
// meanwhile (by retention) holds none.
func (s *Store) readSegment(name string, f Filter) ([]Record, error) {
	file, err := s.root.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("opening audit segment %s: %w", name, err)
	}
	defer func() { _ = file.Close() }()
	s.scanned.Add(1)
	pre := newPrefilter(f)
	var out []Record
	_, err = scanLines(file, func(line []byte) bool {
		if !pre.mayMatch(line) {
			return true
		}
		var r Record
		if json.Unmarshal(line, &r) == nil && f.Match(r) {
			out = append(out, r)
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("reading audit segment %s: %w", name, err)
	}
	return out, nil
}

// scanLines calls fn with every complete line of r (without its newline) until fn returns
// false, and returns the offset just after the last line passed; a last line without a
// newline is not passed to fn.
func scanLines(r io.Reader, fn func(line []byte) bool) (int64, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var end int64
	var long []byte
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		switch {
		case err == nil:
			end += int64(len(line))
			if !fn(line[:len(line)-1]) {
				return end, nil
			}
		case errors.Is(err, io.EOF):
			return end, nil
		default:
			return end, err
		}
	}
}

// prefilter passes over lines that cannot match a filter without decoding them: a line must
// hold every value the filter asks for, encoded as the store encodes it (json.Marshal), and a
// time within the filter's range. It only saves work; Match decides.
type prefilter struct {
	needles      [][]byte
	since, until time.Time
}

func newPrefilter(f Filter) prefilter {
	p := prefilter{since: f.Since, until: f.Until}
	for _, v := range []string{f.User, f.Application, f.Cluster, f.Verb, f.Kind, f.Namespace, f.Source} {
		if v == "" {
			continue
		}
		if quoted, err := json.Marshal(v); err == nil {
			p.needles = append(p.needles, quoted)
		}
	}
	return p
}

// timeKey starts a record's time; quotes inside strings are escaped, so it appears only as
// the key of the record's own time.
var timeKey = []byte(`"time":"`)

func (p prefilter) mayMatch(line []byte) bool {
	for _, n := range p.needles {
		if !bytes.Contains(line, n) {
			return false
		}
	}
	if p.since.IsZero() && p.until.IsZero() {
		return true
	}
	i := bytes.Index(line, timeKey)
	if i < 0 {
		return true
	}
	rest := line[i+len(timeKey):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return true
	}
	t, err := time.Parse(time.RFC3339Nano, string(rest[:end]))
	if err != nil {
		return true
	}
	return (p.since.IsZero() || !t.Before(p.since)) && (p.until.IsZero() || t.Before(p.until))
}
