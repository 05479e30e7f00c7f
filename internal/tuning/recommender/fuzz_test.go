package recommender

import (
	"encoding/binary"
	"math"
	"testing"
)

// samplesFrom turns fuzzed bytes into a sorted sample set: each pair of bytes is a value in
// [0, 65535] times scale (which may be anything, NaN included).
func samplesFrom(data []byte, scale float64) sorted {
	v := make([]float64, 0, len(data)/2)
	for i := 0; i+1 < len(data); i += 2 {
		v = append(v, float64(binary.LittleEndian.Uint16(data[i:]))*scale)
	}
	return newSorted(v)
}

// FuzzRecommend feeds random current values, bounds, targets, usage and settings: the output
// keeps its invariants (bounds, memory floor, request ≤ limit, Guaranteed pairs, units) and
// Recommend never panics.
func FuzzRecommend(f *testing.F) {
	f.Add(int64(500), int64(1000), 256*MiB, gi, uint8(0xff), uint8(0xff),
		int64(100), int64(4000), 64*MiB, 4*gi, uint8(0x0f),
		90.0, 10.0, 50.0, 10.0, 20.0, false, 0.01, []byte{1, 2, 3, 4, 200, 7, 9, 9}, float64(300*MiB), 1e6, false)
	f.Add(int64(1000), int64(1000), gi, gi, uint8(0xff), uint8(0x5a),
		int64(0), int64(0), int64(0), 512*MiB, uint8(0x08),
		100.0, 0.0, 0.0, 0.0, 0.0, true, 1e4, []byte{0xff, 0xff, 0, 0, 1, 0}, float64(900*MiB), 1e4, true)
	f.Add(int64(math.MaxInt64), int64(1), int64(-5), int64(math.MaxInt64), uint8(0xff), uint8(0xff),
		int64(math.MaxInt64), int64(1), int64(-1), int64(0), uint8(0xff),
		math.NaN(), math.Inf(1), math.Inf(1), math.NaN(), math.Inf(-1), true, math.Inf(1), []byte{9, 9}, math.NaN(), math.NaN(), false)
	f.Fuzz(func(t *testing.T, cr, cl, mr, ml int64, set, targets uint8, minCPU, maxCPU, minMem, maxMem int64, bounded uint8,
		percentile, margin, step, minChange, memMargin float64, guaranteed bool, scale float64, data []byte,
		currentMemory, memScale float64, peakTargets bool,
	) {
		keys := keyOrder
		values := [...]int64{cr, cl, mr, ml}
		in := Input{
			Current:             map[Key]int64{},
			MinAllowed:          map[Resource]int64{},
			MaxAllowed:          map[Resource]int64{},
			MaxStepPercent:      step,
			MinChangePercent:    minChange,
			MemoryMarginPercent: memMargin,
			Guaranteed:          guaranteed,
			MinSamples:          1,
			Usage: Usage{
				Samples:       int64(len(data) / 2),
				CPU:           samplesFrom(data, scale),
				Memory:        samplesFrom(data, memScale),
				CurrentMemory: currentMemory,
			},
		}
		for i, k := range keys {
			if set&(1<<i) != 0 {
				in.Current[k] = values[i]
			}
			if targets&(1<<i) != 0 {
				p := percentile
				if peakTargets && k.Field == Limit {
					p = 100
				}
				in.Targets = append(in.Targets, Target{Key: k, Percentile: p, MarginPercent: margin})
			}
		}
		for i, b := range [...]struct {
			m   map[Resource]int64
			res Resource
			v   int64
		}{{in.MinAllowed, CPU, minCPU}, {in.MaxAllowed, CPU, maxCPU}, {in.MinAllowed, Memory, minMem}, {in.MaxAllowed, Memory, maxMem}} {
			if bounded&(1<<i) != 0 {
				b.m[b.res] = b.v
			}
		}
		checkRecommend(t, in, Recommend(in))
	})
}

// FuzzBurst feeds random current values, bounds, usage and settings: Burst never lowers a value,
// never raises one above maxAllowed or below the unit, and never panics.
func FuzzBurst(f *testing.F) {
	f.Add(int64(500), int64(1000), 256*MiB, gi, uint8(0xff), int64(4000), 2*gi, uint8(3),
		0.95*float64(gi), 0.99, 90.0, 90.0, 50.0, false)
	f.Add(gi, gi, gi, gi, uint8(0xff), gi, gi, uint8(3),
		2*float64(gi), 5.0, 90.0, 90.0, 50.0, true)
	f.Add(int64(math.MaxInt64), int64(math.MaxInt64), int64(100), int64(100), uint8(0xff), int64(0), int64(500), uint8(1),
		math.Inf(1), math.NaN(), 0.0, 1.0, math.Inf(1), true)
	f.Fuzz(func(t *testing.T, cr, cl, mr, ml int64, set uint8, maxCPU, maxMem int64, bounded uint8,
		memoryBytes, cpuCores, memThreshold, cpuThreshold, step float64, guaranteed bool,
	) {
		values := [...]int64{cr, cl, mr, ml}
		in := BurstInput{
			Current:                map[Key]int64{},
			MaxAllowed:             map[Resource]int64{},
			MemoryBytes:            memoryBytes,
			CPUCores:               cpuCores,
			MemoryThresholdPercent: memThreshold,
			CPUThresholdPercent:    cpuThreshold,
			StepPercent:            step,
			Guaranteed:             guaranteed,
		}
		for i, k := range keyOrder {
			if set&(1<<i) != 0 {
				in.Current[k] = values[i]
			}
		}
		if bounded&1 != 0 {
			in.MaxAllowed[CPU] = maxCPU
		}
		if bounded&2 != 0 {
			in.MaxAllowed[Memory] = maxMem
		}
		checkBurst(t, in, Burst(in))
	})
}
