package profile

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
)

// slice holds a profile's samples whose time t (Unix nanoseconds) has t/dur == index, dur
// being the Store's slice duration. While samples go to it, it is hot: a struct quick to
// update. Once newer slices have started it is sealed: everything it holds is packed into
// one string, a few times smaller.
type slice struct {
	index  int64
	hot    *hotSlice
	packed string // when not hot; see seal
}

// sliceHeader is what a slice knows besides its histograms.
type sliceHeader struct {
	first, last    int64   // Unix nanoseconds of the oldest and newest sample
	cpuMax, memMax float64 // the exact largest samples, 0 for an empty histogram
}

type hotSlice struct {
	sliceHeader
	cpu, memory hist
}

func newSlice(index int64) slice { return slice{index: index, hot: &hotSlice{}} }

// seal packs a hot slice: as unsigned varints, the first sample's time minus the slice's
// start and the last one's minus the first's; the CPU and the memory maxima as 8
// little-endian bytes each (IEEE 754 bits); then the CPU and the memory histograms packed
// (see appendPacked).
func (sl *slice) seal(dur int64) {
	if sl.hot != nil {
		sl.packed, sl.hot = sl.sealed(dur), nil
	}
}

// sealed returns sl packed, as seal leaves it.
func (sl *slice) sealed(dur int64) string {
	h := sl.hot
	if h == nil {
		return sl.packed
	}
	offset, span := h.first-sl.index*dur, h.last-h.first
	if offset < 0 || span < 0 { // cannot happen: first and last are inside the slice
		offset, span = 0, 0
	}
	b := make([]byte, 0, 32+len(h.cpu.words)+len(h.memory.words))
	b = binary.AppendUvarint(b, uint64(offset))
	b = binary.AppendUvarint(b, uint64(span))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(h.cpuMax))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(h.memMax))
	b = appendPacked(b, h.cpu.words)
	b = appendPacked(b, h.memory.words)
	return string(b)
}

// unseal makes sl hot.
func (sl *slice) unseal(dur int64) {
	if sl.hot != nil {
		return
	}
	h := &hotSlice{}
	hdr, err := unpackSlice(sl.packed, sl.index, dur, h.cpu.addCount, h.memory.addCount)
	if err != nil { // cannot happen: packed slices are made or checked by this package
		h = &hotSlice{}
	}
	h.sliceHeader = hdr
	sl.hot, sl.packed = h, ""
}

// addTo adds sl's samples to the counts of a summary and returns its header.
func (sl *slice) addTo(dur int64, cpu, memory *counts) sliceHeader {
	var hdr sliceHeader
	if sl.hot != nil {
		hdr = sl.hot.sliceHeader
		cpu.addWords(sl.hot.cpu.words)
		memory.addWords(sl.hot.memory.words)
	} else {
		hdr, _ = unpackSlice(sl.packed, sl.index, dur, cpu.add, memory.add)
	}
	cpu.max, memory.max = max(cpu.max, hdr.cpuMax), max(memory.max, hdr.memMax)
	return hdr
}

// merge adds o's samples to sl; both are hot.
func (sl *slice) merge(o *slice) {
	h, oh := sl.hot, o.hot
	h.cpu.words = append(h.cpu.words, oh.cpu.words...)
	slices.SortStableFunc(h.cpu.words, compareBuckets)
	h.memory.words = append(h.memory.words, oh.memory.words...)
	slices.SortStableFunc(h.memory.words, compareBuckets)
	h.first, h.last = min(h.first, oh.first), max(h.last, oh.last)
	h.cpuMax, h.memMax = max(h.cpuMax, oh.cpuMax), max(h.memMax, oh.memMax)
}

func compareBuckets(a, b uint32) int { return wordBucket(a) - wordBucket(b) }

var errSlice = errors.New("invalid packed slice")

// unpackSlice reads a sealed slice of the given index, calling cpuFn and memFn (when not
// nil) for the buckets of its histograms, and returns its header. It checks everything
// (the times are inside the slice, the histograms are well formed and not both empty, each
// maximum is in its histogram's highest bucket), so it also reads checkpoints.
func unpackSlice(p string, index, dur int64, cpuFn, memFn func(bucket int, count uint64)) (sliceHeader, error) {
	var hdr sliceHeader
	if dur <= 0 || index < 0 || index > (math.MaxInt64-dur)/dur {
		return hdr, errSlice
	}
	offset, p, ok := readUvarint(p)
	if !ok || offset > math.MaxInt64 || int64(offset) >= dur {
		return hdr, errSlice
	}
	span, p, ok := readUvarint(p)
	if !ok || span > math.MaxInt64 || int64(span) >= dur-int64(offset) {
		return hdr, errSlice
	}
	hdr.first = index*dur + int64(offset)
	hdr.last = hdr.first + int64(span)
	if hdr.first <= 0 || len(p) < 16 {
		return hdr, errSlice
	}
	hdr.cpuMax = math.Float64frombits(le64(p))
	hdr.memMax = math.Float64frombits(le64(p[8:]))
	p = p[16:]
	cpuTop, memTop := -1, -1
	p, err := unpack(p, func(b int, c uint64) {
		cpuTop = b
		if cpuFn != nil {
			cpuFn(b, c)
		}
	})
	if err != nil {
		return hdr, err
	}
	p, err = unpack(p, func(b int, c uint64) {
		memTop = b
		if memFn != nil {
			memFn(b, c)
		}
	})
	if err != nil {
		return hdr, err
	}
	if p != "" || cpuTop < 0 && memTop < 0 ||
		!maxFits(cpuEdges, hdr.cpuMax, cpuTop) || !maxFits(memoryEdges, hdr.memMax, memTop) {
		return hdr, errSlice
	}
	return hdr, nil
}

// maxFits reports whether m can be the largest sample of a histogram whose highest bucket is
// top (-1 for an empty histogram).
func maxFits(e *edges, m float64, top int) bool {
	if top < 0 {
		return m == 0
	}
	return usable(m) && e.bucket(m) == top
}

// le64 reads 8 little-endian bytes from the start of s.
func le64(s string) uint64 {
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(s[i])
	}
	return v
}
