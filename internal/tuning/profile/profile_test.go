package profile

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// benchInterval is how often a container's reading changes in the benchmarks. The sampler
// scrapes every second or two, but a kubelet refreshes its container stats about every 10 s
// and Observe skips a reading it has already seen, so a profile gets about one sample of
// each resource per 10 s.
const benchInterval = 10 * time.Second

// workload simulates one container's usage: a daily cycle around its own base, with
// lognormal noise on CPU and a few percent of noise on a slowly growing working set.
type workload struct {
	rng      *rand.Rand
	baseCPU  float64 // cores
	baseMem  float64 // bytes
	cpu      float64 // the cumulative counter
	previous time.Time
}

func newWorkload(seed uint64) *workload {
	rng := rand.New(rand.NewPCG(seed, 42))
	return &workload{
		rng:     rng,
		baseCPU: 0.01 * math.Pow(200, rng.Float64()),           // 10m to 2 cores
		baseMem: float64(32<<20) * math.Pow(64, rng.Float64()), // 32 MiB to 2 GiB
	}
}

func (w *workload) sample(at time.Time, since time.Time) Sample {
	day := at.Sub(since).Hours() / 24
	cycle := 1 + 0.5*math.Sin(2*math.Pi*day)
	if !w.previous.IsZero() {
		rate := w.baseCPU * cycle * math.Exp(0.4*w.rng.NormFloat64())
		w.cpu += rate * at.Sub(w.previous).Seconds()
	}
	w.previous = at
	mem := w.baseMem * (1 + 0.2*day + 0.1*cycle) * (1 + 0.03*w.rng.NormFloat64())
	return Sample{CPUSeconds: w.cpu, HasCPU: true, MemoryBytes: max(mem, 0), HasMemory: true, Time: at}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// BenchmarkProfileMemory fills the profiles of 1,000 containers (one pod each) with a day
// of samples and reports the heap they take.
func BenchmarkProfileMemory(b *testing.B) {
	const containers = 1000
	var bytesPer1000Containers float64
	for b.Loop() {
		before := heapInUse()
		s := NewStore(Options{})
		keys := make([]Key, containers)
		pods := make([]string, containers)
		loads := make([]*workload, containers)
		for i := range keys {
			keys[i] = Key{Policy: fmt.Sprintf("ns-%d/policy-%d", i/10, i), Container: "app"}
			pods[i] = fmt.Sprintf("cluster-%d/ns-%d/pod-%d", i%3, i/10, i)
			loads[i] = newWorkload(uint64(i))
		}
		for at := t0; at.Before(t0.Add(24 * time.Hour)); at = at.Add(benchInterval) {
			for i := range keys {
				s.Observe(keys[i], pods[i], loads[i].sample(at, t0))
			}
		}
		keys, pods, loads = nil, nil, nil
		after := heapInUse()
		bytesPer1000Containers = (float64(after) - float64(before)) * 1000 / containers
		if sum, ok := s.Summary(Key{Policy: "ns-0/policy-0", Container: "app"}, t0.Add(24*time.Hour)); !ok || sum.Samples < 8000 {
			b.Fatalf("summary %+v", sum)
		}
		runtime.KeepAlive(s)
		runtime.KeepAlive(keys)
		runtime.KeepAlive(pods)
		runtime.KeepAlive(loads)
	}
	b.ReportMetric(bytesPer1000Containers, "bytes/1000containers")
}

// BenchmarkObserve measures one Observe into a store of 1,000 busy profiles.
func BenchmarkObserve(b *testing.B) {
	const containers = 1000
	s := NewStore(Options{})
	keys := make([]Key, containers)
	pods := make([]string, containers)
	samples := make([]Sample, 0, containers*64)
	for i := range keys {
		keys[i] = Key{Policy: fmt.Sprintf("ns/policy-%d", i), Container: "app"}
		pods[i] = fmt.Sprintf("cluster/ns/pod-%d", i)
	}
	// Precompute realistic samples so the benchmark measures Observe only.
	loads := make([]*workload, containers)
	for i := range loads {
		loads[i] = newWorkload(uint64(i))
	}
	for round := range 64 {
		at := t0.Add(time.Duration(round) * benchInterval)
		for i := range keys {
			samples = append(samples, loads[i].sample(at, t0))
		}
	}
	// Later passes over the samples move them on in time, so none is a repeat.
	span := 64 * benchInterval
	i := 0
	for b.Loop() {
		sm := samples[i%len(samples)]
		sm.Time = sm.Time.Add(time.Duration(i/len(samples)) * span)
		sm.CPUSeconds += float64(i/len(samples)) * 1e4
		s.Observe(keys[i%containers], pods[i%containers], sm)
		i++
	}
}
