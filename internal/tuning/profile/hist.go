package profile

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"sort"
)

const (
	// BucketRatio is the ratio between the upper edges of two consecutive histogram buckets:
	// a bucket holds the values in (edge/BucketRatio, edge].
	BucketRatio = 1.05
	// CPUFirstBucket is the upper edge, in cores, of the first CPU bucket, which holds every
	// rate from 0 to it.
	CPUFirstBucket = 0.001
	// MemoryFirstBucket is the upper edge, in bytes, of the first memory bucket (1 MiB), which
	// holds every working set from 0 to it.
	MemoryFirstBucket = 1 << 20
)

// A histogram word packs a bucket index (the high bits) and a count (the low bits), so the
// words of a histogram sorted as numbers are sorted by bucket index.
const (
	countBits  = 22
	countMask  = 1<<countBits - 1 // the largest count one word holds
	numBuckets = 1 << (32 - countBits)
	maxBucket  = numBuckets - 1
)

// maxPackedCount bounds one bucket's count in a packed histogram: far more samples than a
// slice gets, and small enough that sums of them never overflow.
const maxPackedCount = 1 << 40

// edges holds the upper edges of the buckets of one scale.
type edges [numBuckets]float64

var (
	cpuEdges    = makeEdges(CPUFirstBucket)
	memoryEdges = makeEdges(MemoryFirstBucket)
)

func makeEdges(first float64) *edges {
	var e edges
	for i := range e {
		e[i] = first * math.Pow(BucketRatio, float64(i))
	}
	return &e
}

// bucket returns the index of the bucket holding v, a finite value ≥ 0: the first bucket
// whose upper edge is at least v, or the last bucket for values beyond every edge.
func (e *edges) bucket(v float64) int {
	i := sort.SearchFloat64s(e[:], v)
	if i > maxBucket {
		return maxBucket
	}
	return i
}

// hist is the histogram of the newest slice, the one samples go to: words sorted by bucket
// index. A bucket whose count would overflow a word continues in another word of the same
// index, so counts are exact.
type hist struct {
	words []uint32
}

func wordBucket(w uint32) int   { return int(w >> countBits) }
func wordCount(w uint32) uint32 { return w & countMask }

func makeWord(bucket int, count uint32) uint32 {
	if bucket < 0 || bucket > maxBucket {
		bucket = maxBucket
	}
	return uint32(bucket)<<countBits | count&countMask
}

// add counts v, a finite value ≥ 0, on the scale e.
func (h *hist) add(e *edges, v float64) {
	b := e.bucket(v)
	i := sort.Search(len(h.words), func(i int) bool { return wordBucket(h.words[i]) >= b })
	for ; i < len(h.words) && wordBucket(h.words[i]) == b; i++ {
		if wordCount(h.words[i]) < countMask {
			h.words[i]++
			return
		}
	}
	h.words = slices.Insert(h.words, i, makeWord(b, 1))
}

// addCount adds count samples to bucket b; the words must stay sorted, so b must not be
// below the last word's bucket.
func (h *hist) addCount(b int, count uint64) {
	for count > 0 {
		c := min(count, countMask)
		h.words = append(h.words, makeWord(b, uint32(c)))
		count -= c
	}
}

// A sealed slice keeps both its histograms in a packed string, about a byte per bucket
// instead of four: for each histogram, the number of runs of consecutive non-empty
// buckets, then per run the number of empty buckets before it (from bucket 0 for the first
// run, from the end of the previous run for the others), its length, and its counts, all as
// unsigned varints.

// appendPacked appends the packed form of words, which are sorted by bucket.
func appendPacked(b []byte, words []uint32) []byte {
	type bucketCount struct {
		bucket uint32
		count  uint64
	}
	var merged []bucketCount
	for _, w := range words {
		if n := len(merged); n > 0 && merged[n-1].bucket == w>>countBits {
			merged[n-1].count += uint64(wordCount(w))
			continue
		}
		merged = append(merged, bucketCount{w >> countBits, uint64(wordCount(w))})
	}
	var runs uint64
	for i := range merged {
		if i == 0 || merged[i].bucket != merged[i-1].bucket+1 {
			runs++
		}
	}
	b = binary.AppendUvarint(b, runs)
	var next uint32
	for i := 0; i < len(merged); {
		j, length := i+1, uint64(1)
		for j < len(merged) && merged[j].bucket == merged[j-1].bucket+1 {
			j++
			length++
		}
		b = binary.AppendUvarint(b, uint64(merged[i].bucket-next))
		b = binary.AppendUvarint(b, length)
		for _, bc := range merged[i:j] {
			b = binary.AppendUvarint(b, bc.count)
		}
		next = merged[j-1].bucket + 1
		i = j
	}
	return b
}

var errPacked = errors.New("invalid packed histogram")

// unpack reads one packed histogram from the start of p, calling fn for each non-empty
// bucket in order, and returns the rest of p. It checks everything, so it also reads
// checkpoints.
func unpack(p string, fn func(bucket int, count uint64)) (string, error) {
	runs, p, ok := readUvarint(p)
	if !ok || runs > uint64(len(p)) {
		return "", errPacked
	}
	next := 0
	for range runs {
		var gap, n uint64
		if gap, p, ok = readUvarint(p); !ok || gap > maxBucket {
			return "", errPacked
		}
		if n, p, ok = readUvarint(p); !ok || n == 0 || n > numBuckets {
			return "", errPacked
		}
		start := next + int(gap)
		if start+int(n) > numBuckets {
			return "", errPacked
		}
		for b := start; b < start+int(n); b++ {
			var c uint64
			if c, p, ok = readUvarint(p); !ok || c == 0 || c > maxPackedCount {
				return "", errPacked
			}
			fn(b, c)
		}
		next = start + int(n)
	}
	return p, nil
}

// readUvarint reads an unsigned varint from the start of s.
func readUvarint(s string) (uint64, string, bool) {
	var x uint64
	var shift uint
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		c := s[i]
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				return 0, s, false
			}
			return x | uint64(c)<<shift, s[i+1:], true
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	return 0, s, false
}

// Distribution is the distribution of one resource's samples over a profile's window: CPU in
// cores or memory working set in bytes. The zero Distribution has no samples.
type Distribution struct {
	edges   *edges
	buckets []distBucket // sorted by index, counts > 0
	count   int64
	max     float64
}

type distBucket struct {
	index int
	count int64
}

// counts accumulates the buckets of several slices into a Distribution.
type counts struct {
	dense  [numBuckets]int64
	lo, hi int
	max    float64
}

func newCounts() *counts { return &counts{lo: numBuckets, hi: -1} }

// add counts n samples in bucket b; n ≤ maxPackedCount.
func (c *counts) add(b int, n uint64) {
	c.dense[b] += int64(min(n, maxPackedCount))
	c.lo, c.hi = min(c.lo, b), max(c.hi, b)
}

func (c *counts) addWords(words []uint32) {
	for _, w := range words {
		c.add(wordBucket(w), uint64(wordCount(w)))
	}
}

func (c *counts) distribution(e *edges) Distribution {
	d := Distribution{edges: e, max: c.max}
	for b := c.lo; b <= c.hi; b++ {
		if c.dense[b] > 0 {
			d.buckets = append(d.buckets, distBucket{index: b, count: c.dense[b]})
			d.count += c.dense[b]
		}
	}
	return d
}

// Count is the number of samples.
func (d Distribution) Count() int64 { return d.count }

// Max is the exact largest sample (not a bucket edge); 0 without samples.
func (d Distribution) Max() float64 { return d.max }

// Percentile returns the p-th percentile (p in [0, 100], clamped) by the nearest-rank
// definition: the smallest sample such that at least p% of the samples are at or below it.
// It returns the upper edge of that sample's bucket, capped at Max, so the result is never
// below the true percentile and exceeds it by at most a factor of [BucketRatio] (or, for a
// sample in the first bucket, is at most that bucket's edge: [CPUFirstBucket] or
// [MemoryFirstBucket]). Percentile(100) is Max exactly; without samples it returns 0. The
// result is monotone in p.
func (d Distribution) Percentile(p float64) float64 {
	if d.count == 0 || d.edges == nil {
		return 0
	}
	if p >= 100 {
		return d.max
	}
	if !(p > 0) { // also NaN
		p = 0
	}
	rank := int64(math.Ceil(p / 100 * float64(d.count)))
	rank = max(rank, 1)
	var seen int64
	for _, b := range d.buckets {
		seen += b.count
		if seen >= rank {
			return min(d.edges[b.index], d.max)
		}
	}
	return d.max
}
