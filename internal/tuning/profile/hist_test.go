package profile

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// nearestRank is the reference percentile: the smallest sample with at least p% of the
// samples at or below it.
func nearestRank(sorted []float64, p float64) float64 {
	if p >= 100 {
		return sorted[len(sorted)-1]
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

// testDur is the slice duration of the slices of these tests.
const testDur = int64(time.Hour)

// hotTestSlice returns an empty hot slice that holds t0.
func hotTestSlice() *slice {
	t := t0.UnixNano()
	sl := newSlice(t / testDur)
	sl.hot.first, sl.hot.last = t, t
	return &sl
}

// testSlice returns a slice holding values on the scale e, sealed or not.
func testSlice(e *edges, values []float64, seal bool) *slice {
	sl := hotTestSlice()
	for _, v := range values {
		if e == cpuEdges {
			sl.hot.cpu.add(e, v)
			sl.hot.cpuMax = max(sl.hot.cpuMax, v)
		} else {
			sl.hot.memory.add(e, v)
			sl.hot.memMax = max(sl.hot.memMax, v)
		}
	}
	if seal && len(values) > 0 {
		sl.seal(testDur)
	}
	return sl
}

// distOf returns the distribution of the scale e over slices.
func distOf(e *edges, slices ...*slice) Distribution {
	cpu, memory := newCounts(), newCounts()
	for _, sl := range slices {
		sl.addTo(testDur, cpu, memory)
	}
	if e == cpuEdges {
		return cpu.distribution(e)
	}
	return memory.distribution(e)
}

func TestBucketEdges(t *testing.T) {
	tests := []struct {
		name string
		e    *edges
		v    float64
		want int
	}{
		{"zero", cpuEdges, 0, 0},
		{"first edge", cpuEdges, CPUFirstBucket, 0},
		{"just above the first edge", cpuEdges, math.Nextafter(CPUFirstBucket, 1), 1},
		{"an edge is in its bucket", cpuEdges, cpuEdges[10], 10},
		{"just above an edge", cpuEdges, math.Nextafter(cpuEdges[10], 1), 11},
		{"beyond the last edge", cpuEdges, math.MaxFloat64, maxBucket},
		{"memory 1 MiB", memoryEdges, 1 << 20, 0},
		{"memory 1 GiB", memoryEdges, 1 << 30, int(math.Ceil(math.Log(1024) / math.Log(BucketRatio)))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.bucket(tt.v); got != tt.want {
				t.Errorf("bucket(%v) = %d, want %d", tt.v, got, tt.want)
			}
		})
	}
}

func TestPercentileAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name  string
		e     *edges
		first float64
		gen   func() float64
	}{
		{"cpu lognormal", cpuEdges, CPUFirstBucket, func() float64 { return 0.2 * math.Exp(rng.NormFloat64()) }},
		{"cpu near zero", cpuEdges, CPUFirstBucket, func() float64 { return rng.Float64() * 0.003 }},
		{"cpu uniform", cpuEdges, CPUFirstBucket, func() float64 { return rng.Float64() * 8 }},
		{"memory", memoryEdges, MemoryFirstBucket, func() float64 { return float64(rng.IntN(4<<30)) + 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Spread the values over several slices, as a profile does, some sealed.
			var all []float64
			sls := make([]*slice, 5)
			for i := range sls {
				values := make([]float64, 1000+rng.IntN(1000))
				for j := range values {
					values[j] = tt.gen()
				}
				all = append(all, values...)
				sls[i] = testSlice(tt.e, values, i%2 == 0)
			}
			values := all
			slices.Sort(values)
			d := distOf(tt.e, sls...)
			if d.Count() != int64(len(values)) {
				t.Fatalf("Count() = %d, want %d", d.Count(), len(values))
			}
			if d.Max() != values[len(values)-1] {
				t.Errorf("Max() = %v, want exactly %v", d.Max(), values[len(values)-1])
			}
			for _, p := range []float64{0, 0.1, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100} {
				got, want := d.Percentile(p), nearestRank(values, p)
				if got < want || got > max(want*BucketRatio, tt.first) {
					t.Errorf("Percentile(%v) = %v, true %v: outside [true, max(true×%v, %v)]", p, got, want, BucketRatio, tt.first)
				}
			}
		})
	}
}

func TestPercentileEmptyAndBounds(t *testing.T) {
	var zero Distribution
	if zero.Percentile(50) != 0 || zero.Max() != 0 || zero.Count() != 0 {
		t.Errorf("zero Distribution is not empty")
	}
	d := distOf(cpuEdges, testSlice(cpuEdges, []float64{0.5, 1, 2}, false))
	tests := []struct {
		p    float64
		want float64
	}{
		{-5, d.Percentile(0)},
		{math.NaN(), d.Percentile(0)},
		{100, 2},
		{250, 2},
	}
	for _, tt := range tests {
		if got := d.Percentile(tt.p); got != tt.want {
			t.Errorf("Percentile(%v) = %v, want %v", tt.p, got, tt.want)
		}
	}
	if got := d.Percentile(0); got < 0.5 || got > 0.5*BucketRatio {
		t.Errorf("Percentile(0) = %v, want the bucket of 0.5", got)
	}
}

func TestHistCountOverflow(t *testing.T) {
	// A bucket whose count no longer fits one word continues in another.
	h := &hist{words: []uint32{makeWord(3, countMask)}}
	h.add(cpuEdges, cpuEdges[3])
	h.add(cpuEdges, cpuEdges[2])
	h.add(cpuEdges, cpuEdges[3])
	want := []uint32{makeWord(2, 1), makeWord(3, countMask), makeWord(3, 2)}
	if !slices.Equal(h.words, want) {
		t.Fatalf("words %x, want %x", h.words, want)
	}
	sl := hotTestSlice()
	sl.hot.cpu, sl.hot.cpuMax = *h, cpuEdges[3]
	if d := distOf(cpuEdges, sl); d.Count() != countMask+3 {
		t.Errorf("Count() = %d, want %d", d.Count(), countMask+3)
	}
	// Sealing merges the words of a bucket; unsealing splits them again.
	sl.seal(testDur)
	if d := distOf(cpuEdges, sl); d.Count() != countMask+3 {
		t.Errorf("sealed: Count() = %d, want %d", d.Count(), countMask+3)
	}
	sl.unseal(testDur)
	if !slices.Equal(sl.hot.cpu.words, []uint32{makeWord(2, 1), makeWord(3, countMask), makeWord(3, 2)}) {
		t.Errorf("unsealed words %x", sl.hot.cpu.words)
	}
}

func TestPackedRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		words []uint32
	}{
		{"empty", nil},
		{"one", []uint32{makeWord(0, 1)}},
		{"runs", []uint32{makeWord(1, 5), makeWord(2, 7), makeWord(3, 1), makeWord(10, 2), makeWord(maxBucket, 3)}},
		{"a bucket in two words", []uint32{makeWord(4, countMask), makeWord(4, 9), makeWord(5, 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			packed := string(appendPacked(nil, tt.words))
			var h hist
			rest, err := unpack(packed, h.addCount)
			if err != nil || rest != "" {
				t.Fatalf("unpack: %v, rest %q", err, rest)
			}
			want := map[int]uint64{}
			for _, w := range tt.words {
				want[wordBucket(w)] += uint64(wordCount(w))
			}
			got := map[int]uint64{}
			for _, w := range h.words {
				got[wordBucket(w)] += uint64(wordCount(w))
			}
			if len(got) != len(want) {
				t.Fatalf("buckets %v, want %v", got, want)
			}
			for b, n := range want {
				if got[b] != n {
					t.Errorf("bucket %d: %d, want %d", b, got[b], n)
				}
			}
			if !slices.IsSortedFunc(h.words, func(a, b uint32) int { return wordBucket(a) - wordBucket(b) }) {
				t.Errorf("unpacked words not sorted: %x", h.words)
			}
		})
	}
}

func FuzzDistribution(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8}, 50.0, 90.0, false)
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0xf0, 0x7f}, 0.0, 100.0, true)
	f.Fuzz(func(t *testing.T, data []byte, p1, p2 float64, memory bool) {
		e, first := cpuEdges, float64(CPUFirstBucket)
		if memory {
			e, first = memoryEdges, MemoryFirstBucket
		}
		// Every 8 bytes are a value; unusable ones are skipped as Observe skips them.
		// The values go round-robin into three slices, the first of them sealed.
		values := make([][]float64, 3)
		var n int
		for i := 0; i+8 <= len(data); i += 8 {
			v := math.Float64frombits(binary.LittleEndian.Uint64(data[i:]))
			if !usable(v) {
				continue
			}
			values[n%3] = append(values[n%3], v)
			n++
		}
		d := distOf(e, testSlice(e, values[0], true), testSlice(e, values[1], false), testSlice(e, values[2], false))
		if d.Count() != int64(n) {
			t.Fatalf("Count() = %d, want %d", d.Count(), n)
		}
		prev := 0.0
		ps := []float64{-1, 0, p1, p2, 100, 101}
		if math.IsNaN(p1) || math.IsNaN(p2) {
			ps = []float64{-1, 0, 100}
		}
		slices.Sort(ps)
		for _, p := range ps {
			got := d.Percentile(p)
			if got < 0 || got > d.Max()*BucketRatio+first {
				t.Fatalf("Percentile(%v) = %v, max %v", p, got, d.Max())
			}
			if got < prev {
				t.Fatalf("Percentile(%v) = %v below a lower percentile's %v", p, got, prev)
			}
			prev = got
		}
		if n > 0 && d.Percentile(100) != d.Max() {
			t.Fatalf("Percentile(100) = %v, Max() = %v", d.Percentile(100), d.Max())
		}
	})
}
