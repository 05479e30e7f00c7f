package profile

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
	"time"
)

// CheckpointVersion is the version of the checkpoint format Checkpoint writes and Restore
// reads.
//
// Version 1, before base64: the magic "FLPR" and the version byte; the slice duration in
// nanoseconds (a varint); the policy (its length as a uvarint, then its bytes); the number
// of profiles (a uvarint) and, per profile sorted by container: the container (as the
// policy), the number of slices (a uvarint) and, per slice oldest first: its index (a
// varint) and its packed form (as the policy), what a sealed slice keeps in memory (see
// slice.seal). Last, the CRC-32 (IEEE) of everything before it, 4 little-endian bytes.
const CheckpointVersion = 1

const checkpointMagic = "FLPR"

// Checkpoint serializes every profile of a policy, for Restore after a restart: base64 text
// (so it fits a ConfigMap's data) of a versioned binary format that carries a checksum. It
// holds about what the profiles take in memory sealed, typically a few kilobytes per
// container for a 24-hour window. The state kept of pods (CPU counters, latest working sets)
// is not included. A policy without profiles gives a checkpoint without profiles. The error
// is always nil; it is there for future formats.
func (s *Store) Checkpoint(policy string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	nps := s.policies[policy]
	b := append([]byte(checkpointMagic), CheckpointVersion)
	b = binary.AppendVarint(b, s.sliceDur)
	b = appendString(b, policy)
	b = binary.AppendUvarint(b, uint64(len(nps)))
	for _, np := range nps {
		b = appendString(b, np.container)
		b = binary.AppendUvarint(b, uint64(len(np.slices)))
		for i := range np.slices {
			sl := &np.slices[i]
			b = binary.AppendVarint(b, sl.index)
			b = appendString(b, sl.sealed(s.sliceDur))
		}
	}
	b = binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	out := make([]byte, base64.StdEncoding.EncodedLen(len(b)))
	base64.StdEncoding.Encode(out, b)
	return out, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// Restore replaces the profiles of a policy with those of a checkpoint of it, as of now:
// slices already outside the window are dropped, and so are profiles left empty. A
// checkpoint taken with another slice duration is re-sliced: each of its slices goes into
// the slice of this Store that holds its last sample (the first sample's time is then
// rounded up into that slice). The state kept of the policy's pods is dropped, so each pod's
// next CPU counter gives no rate and LastMemory starts over. A corrupt checkpoint, or one of
// another version or another policy, is an error and leaves the Store unchanged.
func (s *Store) Restore(policy string, data []byte, now time.Time) error {
	t, ok := unixNano(now)
	if !ok {
		return fmt.Errorf("restore time %v is out of range", now)
	}
	raw := make([]byte, base64.StdEncoding.DecodedLen(len(data)))
	n, err := base64.StdEncoding.Decode(raw, data)
	if err != nil {
		return fmt.Errorf("checkpoint is not base64: %w", err)
	}
	raw = raw[:n]
	if len(raw) < len(checkpointMagic)+1+4 || string(raw[:len(checkpointMagic)]) != checkpointMagic {
		return errors.New("not a profile checkpoint")
	}
	if v := raw[len(checkpointMagic)]; v != CheckpointVersion {
		return fmt.Errorf("checkpoint version %d, want %d", v, CheckpointVersion)
	}
	body, sum := raw[:len(raw)-4], binary.LittleEndian.Uint32(raw[len(raw)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return errors.New("checkpoint checksum mismatch: it is corrupt")
	}
	d := decoder{b: body[len(checkpointMagic)+1:]}
	restored, err := s.decodeCheckpoint(&d, policy, t)
	if err != nil {
		return fmt.Errorf("corrupt checkpoint: %w", err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.forgetPolicy(policy)
	if len(restored) > 0 {
		s.policies[policy] = restored
	}
	return nil
}

// decodeCheckpoint reads the body of a checkpoint, after its version.
func (s *Store) decodeCheckpoint(d *decoder, policy string, now int64) ([]namedProfile, error) {
	dur := d.varint()
	if d.err == nil && dur <= 0 {
		return nil, fmt.Errorf("invalid slice duration %d", dur)
	}
	if got := d.string(); d.err == nil && got != policy {
		return nil, fmt.Errorf("checkpoint of policy %q, not %q", got, policy)
	}
	var nps []namedProfile
	nprofiles := d.length()
	for range nprofiles {
		name := d.string()
		var decoded []slice
		nslices := d.length()
		for range nslices {
			sl := slice{index: d.varint(), packed: d.string()}
			if d.err != nil {
				break
			}
			if _, err := unpackSlice(sl.packed, sl.index, dur, nil, nil); err != nil {
				return nil, fmt.Errorf("container %q, slice %d: %w", name, sl.index, err)
			}
			decoded = append(decoded, sl)
		}
		if d.err != nil {
			break
		}
		if n := len(nps); n > 0 && nps[n-1].container >= name {
			return nil, fmt.Errorf("container %q out of order", name)
		}
		if sls := s.reslice(decoded, dur, now); len(sls) > 0 {
			nps = append(nps, namedProfile{container: name, profile: &profile{slices: sls, pods: map[string]*podState{}}})
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%d bytes after the last profile", len(d.b))
	}
	return nps, nil
}

// reslice turns the checked sealed slices of a checkpoint whose slices last dur into the
// slices of a profile of s as of now: the slices inside the window, at most s.slices, sealed
// and sorted.
func (s *Store) reslice(decoded []slice, dur int64, now int64) []slice {
	var out []slice
	for _, sl := range decoded {
		if dur != s.sliceDur {
			sl.unseal(dur)
			sl.index = sl.hot.last / s.sliceDur
			sl.hot.first = max(sl.hot.first, sl.index*s.sliceDur)
		}
		i, found := slices.BinarySearchFunc(out, sl.index, compareIndex)
		if !found {
			out = slices.Insert(out, i, sl)
			continue
		}
		out[i].unseal(s.sliceDur)
		sl.unseal(s.sliceDur)
		out[i].merge(&sl)
	}
	if len(out) == 0 {
		return nil
	}
	lo := max(s.firstLive(now), out[len(out)-1].index-int64(s.slices)+1)
	i, _ := slices.BinarySearchFunc(out, lo, compareIndex)
	out = slices.Clip(out[i:])
	for i := range out {
		out[i].seal(s.sliceDur)
	}
	return out
}

// decoder reads a checkpoint body; its first error sticks and makes later reads return zero
// values.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("truncated or overlong number")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("truncated or overlong number")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// length reads a count of things that each take at least one more byte, so it cannot exceed
// what is left.
func (d *decoder) length() int {
	v := d.uvarint()
	if d.err != nil {
		return 0
	}
	if v > uint64(len(d.b)) || v > math.MaxInt32 {
		d.fail("count %d beyond the end of the checkpoint", v)
		return 0
	}
	return int(v)
}

func (d *decoder) string() string {
	n := d.length()
	if d.err != nil {
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}
