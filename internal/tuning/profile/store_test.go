package profile

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"
)

var (
	t0  = time.Date(2024, 11, 24, 0, 0, 0, 0, time.UTC) // on a slice boundary
	web = Key{Policy: "default/web", Container: "web"}
)

func cpuSample(seconds float64, at time.Time) Sample {
	return Sample{Namespace: "default", Pod: "web-1", Container: "web", CPUSeconds: seconds, HasCPU: true, Time: at}
}

func memSample(bytes float64, at time.Time) Sample {
	return Sample{Namespace: "default", Pod: "web-1", Container: "web", MemoryBytes: bytes, HasMemory: true, Time: at}
}

func TestObserveCPURate(t *testing.T) {
	type obs struct {
		seconds float64
		at      time.Duration // after t0
		want    float64
		wantOK  bool
	}
	tests := []struct {
		name string
		obs  []obs
	}{
		{"first sample has no rate, the second does", []obs{
			{10, 0, 0, false},
			{11, 2 * time.Second, 0.5, true},
			{14, 4 * time.Second, 1.5, true},
		}},
		{"counter reset: no rate, then a rate from the new counter", []obs{
			{100, 0, 0, false},
			{101, time.Second, 1, true},
			{0.2, 2 * time.Second, 0, false},
			{0.45, 3 * time.Second, 0.25, true},
		}},
		{"a repeated reading is ignored", []obs{
			{10, 0, 0, false},
			{10, 0, 0, false},
			{12, time.Second, 2, true},
			{11, 500 * time.Millisecond, 0, false}, // late, older than the previous
			{13, 2 * time.Second, 1, true},
		}},
		{"an idle container has a rate of zero", []obs{
			{5, 0, 0, false},
			{5, time.Second, 0, true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewStore(Options{})
			var rates []float64
			for i, o := range tt.obs {
				r := s.Observe(web, "c1/default/web-1", cpuSample(o.seconds, t0.Add(o.at)))
				if r.HasCPU != o.wantOK || math.Abs(r.CPUCores-o.want) > 1e-9 {
					t.Errorf("observation %d: reading %+v, want CPU %v (%v)", i, r, o.want, o.wantOK)
				}
				if r.HasMemory {
					t.Errorf("observation %d: memory without a memory sample", i)
				}
				if r.HasCPU {
					rates = append(rates, r.CPUCores)
				}
			}
			sum, ok := s.Summary(web, t0.Add(time.Minute))
			if len(rates) == 0 {
				if ok {
					t.Errorf("summary without samples: %+v", sum)
				}
				return
			}
			if !ok || sum.CPUSamples != int64(len(rates)) || sum.Samples != 0 {
				t.Fatalf("summary %+v (%v), want %d CPU samples", sum, ok, len(rates))
			}
			if sum.CPU.Max() != slices.Max(rates) {
				t.Errorf("CPU max %v, want %v", sum.CPU.Max(), slices.Max(rates))
			}
		})
	}
}

func TestObservePerPodCounters(t *testing.T) {
	s := NewStore(Options{})
	// Two pods with very different counters feed one profile; each rate uses its own pod's.
	s.Observe(web, "a/default/web-1", cpuSample(1000, t0))
	s.Observe(web, "b/default/web-1", cpuSample(5, t0))
	ra := s.Observe(web, "a/default/web-1", cpuSample(1001, t0.Add(time.Second)))
	rb := s.Observe(web, "b/default/web-1", cpuSample(5.5, t0.Add(time.Second)))
	if !ra.HasCPU || ra.CPUCores != 1 || !rb.HasCPU || rb.CPUCores != 0.5 {
		t.Fatalf("readings %+v %+v", ra, rb)
	}
	// The same pod under another policy keeps its own counter, so both get the rate.
	other := Key{Policy: "default/other", Container: "web"}
	s.Observe(other, "a/default/web-1", cpuSample(1001, t0.Add(time.Second)))
	if r := s.Observe(other, "a/default/web-1", cpuSample(1003, t0.Add(2*time.Second))); r.CPUCores != 2 {
		t.Errorf("other policy's reading %+v", r)
	}
	if r := s.Observe(web, "a/default/web-1", cpuSample(1003, t0.Add(2*time.Second))); r.CPUCores != 2 {
		t.Errorf("reading %+v", r)
	}
	// Forgetting a pod drops its counter: its next sample starts over.
	s.ForgetPod("a/default/web-1")
	if r := s.Observe(web, "a/default/web-1", cpuSample(1004, t0.Add(3*time.Second))); r.HasCPU {
		t.Errorf("rate after ForgetPod: %+v", r)
	}
	if r := s.Observe(other, "a/default/web-1", cpuSample(1004, t0.Add(3*time.Second))); r.HasCPU {
		t.Errorf("rate after ForgetPod under another policy: %+v", r)
	}
}

func TestObserveUnusable(t *testing.T) {
	s := NewStore(Options{})
	tests := []struct {
		name string
		sm   Sample
	}{
		{"nothing", Sample{Time: t0}},
		{"NaN memory", Sample{MemoryBytes: math.NaN(), HasMemory: true, Time: t0}},
		{"negative memory", Sample{MemoryBytes: -1, HasMemory: true, Time: t0}},
		{"infinite CPU", Sample{CPUSeconds: math.Inf(1), HasCPU: true, Time: t0}},
		{"zero time", Sample{MemoryBytes: 1, HasMemory: true}},
		{"before the epoch", Sample{MemoryBytes: 1, HasMemory: true, Time: time.Unix(-5, 0)}},
		{"far future", Sample{MemoryBytes: 1, HasMemory: true, Time: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := s.Observe(web, "p", tt.sm); r.HasCPU || r.HasMemory {
				t.Errorf("reading %+v", r)
			}
		})
	}
	if sum, ok := s.Summary(web, t0); ok {
		t.Errorf("summary %+v", sum)
	}
}

func TestWindowExpiry(t *testing.T) {
	// A one-hour window of six ten-minute slices.
	s := NewStore(Options{Window: time.Hour, Slices: 6})
	s.Observe(web, "p1", memSample(100<<20, t0.Add(time.Minute)))    // slice 0
	s.Observe(web, "p1", memSample(200<<20, t0.Add(25*time.Minute))) // slice 2
	s.Observe(web, "p1", memSample(300<<20, t0.Add(55*time.Minute))) // slice 5
	tests := []struct {
		now     time.Duration
		samples int64
		max     float64
		first   time.Duration
	}{
		{56 * time.Minute, 3, 300 << 20, time.Minute},
		{59*time.Minute + 59*time.Second, 3, 300 << 20, time.Minute},
		{60 * time.Minute, 2, 300 << 20, 25 * time.Minute}, // slice 0 is out
		{79 * time.Minute, 2, 300 << 20, 25 * time.Minute},
		{80 * time.Minute, 1, 300 << 20, 55 * time.Minute},
		{109 * time.Minute, 1, 300 << 20, 55 * time.Minute},
		{110 * time.Minute, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.now.String(), func(t *testing.T) {
			sum, ok := s.Summary(web, t0.Add(tt.now))
			if tt.samples == 0 {
				if ok {
					t.Errorf("summary %+v, want none", sum)
				}
				return
			}
			if !ok || sum.Samples != tt.samples || sum.Memory.Max() != tt.max {
				t.Fatalf("summary %+v (%v), want %d samples, max %v", sum, ok, tt.samples, tt.max)
			}
			if !sum.First.Equal(t0.Add(tt.first)) || !sum.Last.Equal(t0.Add(55*time.Minute)) {
				t.Errorf("first %v last %v", sum.First, sum.Last)
			}
			// Every sample that counts is less than a window old.
			if t0.Add(tt.now).Sub(sum.First) > time.Hour {
				t.Errorf("a sample older than the window counts: %v", sum.First)
			}
		})
	}
	// A new sample pushes expired slices out of the profile itself.
	s.Observe(web, "p1", memSample(50<<20, t0.Add(2*time.Hour)))
	sum, _ := s.Summary(web, t0.Add(2*time.Hour))
	if sum.Samples != 1 || sum.Memory.Max() != 50<<20 {
		t.Errorf("after expiry: %+v", sum)
	}
	s.mu.Lock()
	n := len(s.profile(web).slices)
	s.mu.Unlock()
	if n != 1 {
		t.Errorf("%d slices kept, want 1", n)
	}
	// A sample older than the profile's window is not added.
	if r := s.Observe(web, "p2", memSample(1, t0.Add(5*time.Minute))); r.HasMemory {
		t.Errorf("a sample outside the window was added: %+v", r)
	}
}

func TestLateSampleInsertsSlice(t *testing.T) {
	s := NewStore(Options{Window: time.Hour, Slices: 6})
	s.Observe(web, "p1", memSample(10<<20, t0.Add(50*time.Minute)))
	// Another pod's sample from an earlier slice, still inside the window.
	if r := s.Observe(web, "p2", memSample(20<<20, t0.Add(15*time.Minute))); !r.HasMemory {
		t.Fatalf("late sample not added: %+v", r)
	}
	sum, _ := s.Summary(web, t0.Add(55*time.Minute))
	if sum.Samples != 2 || !sum.First.Equal(t0.Add(15*time.Minute)) || sum.Memory.Max() != 20<<20 {
		t.Errorf("summary %+v", sum)
	}
}

func TestLastMemory(t *testing.T) {
	s := NewStore(Options{Window: time.Hour, Slices: 6})
	s.Observe(web, "p1", memSample(500<<20, t0))
	s.Observe(web, "p1", memSample(100<<20, t0.Add(time.Minute)))
	s.Observe(web, "p2", memSample(300<<20, t0.Add(time.Minute)))
	s.Observe(web, "p3", memSample(200<<20, t0.Add(time.Minute)))
	sum, _ := s.Summary(web, t0.Add(2*time.Minute))
	// The peak is 500 MiB, but the pods use 100, 300 and 200 MiB now.
	if sum.LastMemory != 300<<20 || sum.Pods != 3 || sum.Memory.Max() != 500<<20 {
		t.Errorf("LastMemory %v over %d pods, max %v", sum.LastMemory, sum.Pods, sum.Memory.Max())
	}
	s.ForgetPod("p2")
	sum, _ = s.Summary(web, t0.Add(2*time.Minute))
	if sum.LastMemory != 200<<20 || sum.Pods != 2 {
		t.Errorf("after ForgetPod: LastMemory %v over %d pods", sum.LastMemory, sum.Pods)
	}
	// p1 keeps reporting; p3's latest leaves the window.
	s.Observe(web, "p1", memSample(150<<20, t0.Add(65*time.Minute)))
	sum, _ = s.Summary(web, t0.Add(65*time.Minute))
	if sum.LastMemory != 150<<20 || sum.Pods != 1 {
		t.Errorf("after p3 left the window: LastMemory %v over %d pods", sum.LastMemory, sum.Pods)
	}
}

func TestForgetPolicyAndContainers(t *testing.T) {
	s := NewStore(Options{})
	for _, k := range []Key{{"ns/a", "web"}, {"ns/a", "sidecar"}, {"ns/b", "web"}} {
		s.Observe(k, "pod", memSample(1<<20, t0))
	}
	if got := s.Containers("ns/a"); !slices.Equal(got, []string{"sidecar", "web"}) {
		t.Errorf("Containers(ns/a) = %v", got)
	}
	s.ForgetPolicy("ns/a")
	if got := s.Containers("ns/a"); len(got) != 0 {
		t.Errorf("Containers after ForgetPolicy = %v", got)
	}
	if _, ok := s.Summary(Key{"ns/a", "web"}, t0); ok {
		t.Errorf("summary after ForgetPolicy")
	}
	if _, ok := s.Summary(Key{"ns/b", "web"}, t0); !ok {
		t.Errorf("another policy's profile went too")
	}
	s.mu.Lock()
	keys := s.pods["pod"]
	s.mu.Unlock()
	if !slices.Equal(keys, []Key{{"ns/b", "web"}}) {
		t.Errorf("pod index %v", keys)
	}
}

func TestPrune(t *testing.T) {
	s := NewStore(Options{Window: time.Hour, Slices: 6})
	s.Observe(web, "p1", memSample(1<<20, t0))
	s.Observe(Key{"default/web", "sidecar"}, "p1", memSample(1<<20, t0.Add(50*time.Minute)))
	s.Prune(t0.Add(70 * time.Minute))
	if got := s.Containers("default/web"); !slices.Equal(got, []string{"sidecar"}) {
		t.Errorf("Containers after Prune = %v", got)
	}
	s.Prune(t0.Add(3 * time.Hour))
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.policies) != 0 || len(s.pods) != 0 {
		t.Errorf("left after Prune: %v %v", s.policies, s.pods)
	}
}

func TestOptions(t *testing.T) {
	tests := []struct {
		in, want Options
	}{
		{Options{}, Options{Window: DefaultWindow, Slices: DefaultSlices}},
		{Options{Window: time.Hour, Slices: 60}, Options{Window: time.Hour, Slices: 60}},
		{Options{Window: 10 * time.Millisecond, Slices: 100}, Options{Window: 10 * time.Millisecond, Slices: 10}},
		{Options{Window: time.Microsecond, Slices: 3}, Options{Window: time.Microsecond, Slices: 1}},
	}
	for _, tt := range tests {
		if got := NewStore(tt.in).Options(); got != tt.want {
			t.Errorf("NewStore(%+v).Options() = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestConcurrency(t *testing.T) {
	s := NewStore(Options{Window: time.Hour, Slices: 12})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			key := Key{Policy: "ns/p", Container: fmt.Sprintf("c%d", w%3)}
			pod := fmt.Sprintf("pod-%d", w)
			for i := range 2000 {
				at := t0.Add(time.Duration(i) * time.Second)
				s.Observe(key, pod, Sample{CPUSeconds: float64(i) / 10, HasCPU: true, MemoryBytes: float64(i << 20), HasMemory: true, Time: at})
				switch i % 200 {
				case 0:
					s.Summary(key, at)
				case 50:
					s.Containers("ns/p")
				case 100:
					if data, err := s.Checkpoint("ns/p"); err == nil && w == 0 {
						if err := s.Restore("ns/p", data, at); err != nil {
							t.Error(err)
						}
					}
				case 150:
					s.Prune(at)
					s.ForgetPod(pod)
				}
			}
		})
	}
	wg.Wait()
	for _, c := range s.Containers("ns/p") {
		if sum, ok := s.Summary(Key{"ns/p", c}, t0.Add(2000*time.Second)); !ok || sum.Samples == 0 {
			t.Errorf("container %s: %+v", c, sum)
		}
	}
}
