package audit

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// spoolFileBytes is the size at which the spool starts a new file, so that files the sink has
// taken can be removed while records keep coming.
const spoolFileBytes = 1 << 20

const spoolSuffix = ".jsonl"

var errClosedSpool = errors.New("the audit spool is closed")

// spool keeps the records waiting for the sink in files, in the order they were recorded:
// files named by a growing sequence number, appended to by add, read from the oldest by peek
// and removed once ack has passed their end. Writes are not synced one by one: sync makes them
// durable, and is called by the sending loop.
type spool struct {
	root    *os.Root
	release func()

	syncMu   sync.Mutex  // one sync at a time
	mu       sync.Mutex  // guards what follows; never held while the disk syncs
	files    []spoolFile // oldest first; w, when set, writes the last one
	w        *os.File
	head     int64      // offset in files[0] of the first record not yet acknowledged
	pending  int        // lines in the files from head on
	nextSeq  uint64     // sequence number of the next file
	unsynced []*os.File // files written to and no longer written, to sync and close
	dirty    bool       // w was written to since the last sync
	newFile  bool       // a file was created since the last sync
}

// spoolFile is one file of the spool: its name, its size and lines as far as the spool wrote
// or checked them.
type spoolFile struct {
	name  string
	size  int64
	lines int
}

// openSpool opens the spool in dir and takes over what a previous process left in it, cutting
// off a torn last line.
func openSpool(dir string) (*spool, error) {
	root, release, err := openDir(dir, "spool")
	if err != nil {
		return nil, err
	}
	s := &spool{root: root, release: release}
	if err := s.load(); err != nil {
		release()
		return nil, err
	}
	return s, nil
}

// load lists the spool's files and counts their complete lines.
func (s *spool) load() error {
	entries, err := fs.ReadDir(s.root.FS(), ".")
	if err != nil {
		return fmt.Errorf("listing the audit spool: %w", err)
	}
	type found struct {
		seq  uint64
		name string
	}
	var files []found
	for _, e := range entries {
		seq, err := strconv.ParseUint(strings.TrimSuffix(e.Name(), spoolSuffix), 10, 64)
		if err == nil && strings.HasSuffix(e.Name(), spoolSuffix) && e.Type().IsRegular() {
			files = append(files, found{seq, e.Name()})
		}
	}
	slices.SortFunc(files, func(a, b found) int { return cmp.Compare(a.seq, b.seq) })
	for _, fd := range files {
		f, err := s.check(fd.name)
		if err != nil {
			return err
		}
		if f.lines > 0 {
			s.files = append(s.files, f)
			s.pending += f.lines
		} else if err := s.root.Remove(f.name); err != nil {
			return fmt.Errorf("removing an empty audit spool file: %w", err)
		}
		s.nextSeq = fd.seq + 1
	}
	return nil
}

// check counts a file's complete lines and cuts off a torn last one.
func (s *spool) check(name string) (spoolFile, error) {
	f, err := s.root.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return spoolFile{}, fmt.Errorf("opening audit spool file %s: %w", name, err)
	}
	defer func() { _ = f.Close() }()
	sf := spoolFile{name: name}
	sf.size, err = scanLines(f, func([]byte) bool { sf.lines++; return true })
	if err == nil {
		err = f.Truncate(sf.size)
	}
	if err != nil {
		return spoolFile{}, fmt.Errorf("reading audit spool file %s: %w", name, err)
	}
	return sf, nil
}

func spoolName(seq uint64) string {
	return fmt.Sprintf("%020d%s", seq, spoolSuffix)
}

// add appends one encoded record (a line, with its newline). On a failed write the file is
// left alone (its torn end is never read: reads stop at the size the spool wrote) and the
// next add starts a new one.
func (s *spool) add(line []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.root == nil {
		return errClosedSpool
	}
	if s.w == nil {
		name := spoolName(s.nextSeq)
		w, err := s.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("creating audit spool file %s: %w", name, err)
		}
		s.nextSeq++
		s.w, s.newFile = w, true
		s.files = append(s.files, spoolFile{name: name})
	}
	cur := &s.files[len(s.files)-1]
	if _, err := s.w.Write(line); err != nil {
		s.retire()
		return fmt.Errorf("writing audit spool file %s: %w", cur.name, err)
	}
	cur.size += int64(len(line))
	cur.lines++
	s.pending++
	s.dirty = true
	if cur.size >= spoolFileBytes {
		s.retire()
	}
	return nil
}

// retire stops writing the current file; sync syncs and closes it.
func (s *spool) retire() {
	s.unsynced = append(s.unsynced, s.w)
	s.w = nil
}

// sync makes what add wrote durable, without holding up add while the disk works.
func (s *spool) sync() error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	if s.root == nil {
		s.mu.Unlock()
		return nil
	}
	files, newFile := s.unsynced, s.newFile
	if s.dirty && s.w != nil {
		files = append(files, nil) // nil stands for w, synced but kept open
	}
	w := s.w
	s.unsynced, s.dirty, s.newFile = nil, false, false
	s.mu.Unlock()
	var errs []error
	for _, f := range files {
		if f == nil {
			errs = append(errs, w.Sync())
			continue
		}
		errs = append(errs, f.Sync(), f.Close())
	}
	if newFile {
		errs = append(errs, syncDir(s.root))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("syncing the audit spool: %w", err)
	}
	return nil
}

// count is the number of records waiting.
func (s *spool) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending
}

// spoolBatch is what peek read: the records, and how far ack moves the head when the sink
// took them.
type spoolBatch struct {
	recs  []Record
	lines int   // lines read, records or not
	end   int64 // offset just after the last line read
}

// peek reads up to max records from the head, from the oldest file only.
func (s *spool) peek(max int) (spoolBatch, error) {
	f, head, err := s.oldest()
	if err != nil || f.name == "" {
		return spoolBatch{}, err
	}
	file, err := s.root.Open(f.name)
	if err != nil {
		return spoolBatch{}, fmt.Errorf("opening audit spool file %s: %w", f.name, err)
	}
	defer func() { _ = file.Close() }()
	b := spoolBatch{end: head}
	_, err = scanLines(io.NewSectionReader(file, head, f.size-head), func(line []byte) bool {
		b.lines++
		b.end += int64(len(line)) + 1
		var r Record
		if json.Unmarshal(line, &r) == nil {
			b.recs = append(b.recs, r)
		}
		return len(b.recs) < max
	})
	if err != nil {
		return spoolBatch{}, fmt.Errorf("reading audit spool file %s: %w", f.name, err)
	}
	return b, nil
}

// oldest returns the file at the head and the head's offset in it, first removing files read
// to their end that are no longer written (left empty by a failed first write); no name when
// the spool is empty.
func (s *spool) oldest() (spoolFile, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.root == nil {
		return spoolFile{}, 0, errClosedSpool
	}
	for len(s.files) > 0 && s.head >= s.files[0].size && (len(s.files) > 1 || s.w == nil) {
		if err := s.dropOldest(); err != nil {
			return spoolFile{}, 0, err
		}
	}
	if len(s.files) == 0 {
		return spoolFile{}, 0, nil
	}
	return s.files[0], s.head, nil
}

// dropOldest removes the oldest file.
func (s *spool) dropOldest() error {
	name := s.files[0].name
	s.files = slices.Delete(s.files, 0, 1)
	s.head = 0
	if err := s.root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing audit spool file %s: %w", name, err)
	}
	return nil
}

// ack records that the sink took a batch peek returned, and removes the oldest file once
// all of it was taken.
func (s *spool) ack(b spoolBatch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.head = b.end
	s.pending -= b.lines
	if len(s.files) == 0 || s.head < s.files[0].size {
		return nil
	}
	if len(s.files) == 1 && s.w != nil {
		s.retire()
	}
	return s.dropOldest()
}

// close syncs and releases the spool; what is in it stays for the next process.
func (s *spool) close() error {
	s.mu.Lock()
	if s.w != nil {
		s.retire()
	}
	s.mu.Unlock()
	err := s.sync()
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.root != nil {
		s.release()
		s.root = nil
	}
	return err
}
