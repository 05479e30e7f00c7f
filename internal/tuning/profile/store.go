package profile

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults of Options.
const (
	DefaultWindow = 24 * time.Hour
	DefaultSlices = 24
)

// minSlice is the shortest slice duration a Store uses; Options.Slices is lowered to keep
// slices at least this long.
const minSlice = time.Millisecond

// Key names one profile: a ResourcePolicy ("namespace/name") and a container name. A profile
// aggregates all pods, in all clusters, of the workload the policy selects, per container name.
type Key struct{ Policy, Container string }

// Reading is what one sample added to a profile: the container's memory working set, and its
// CPU rate in cores since the previous sample of the same pod and container.
type Reading struct {
	// CPUCores is the CPU rate, valid when HasCPU.
	CPUCores float64
	// HasCPU is false for the first CPU counter of a pod/container, after a counter reset
	// (the counter went down: the container restarted), when the sample has no usable CPU
	// counter, when its time is not after that pod/container's previous CPU counter (the
	// kubelet served the same reading again, or samples arrived out of order), or when the
	// sample is too old for the profile (a whole window before its newest sample). Only a
	// Reading with HasCPU was added to the profile's CPU distribution.
	HasCPU bool
	// MemoryBytes is the working set, valid when HasMemory.
	MemoryBytes float64
	// HasMemory is false when the sample has no usable working set, when its time is not
	// after that pod/container's previous working set (a repeated reading), or when the sample
	// is too old for the profile. Only a Reading with HasMemory was added to the profile's
	// memory distribution.
	HasMemory bool
	// Time is the sample's time.
	Time time.Time
}

// Options configures a Store.
type Options struct {
	// Window is how far back profiles reach; DefaultWindow when ≤ 0.
	Window time.Duration
	// Slices is the number of time slices the window is kept as; slices expire whole.
	// DefaultSlices when ≤ 0; lowered if a slice would be shorter than a millisecond. The
	// window is cut into slices of Window/Slices, aligned to the Unix epoch.
	Slices int
}

// Summary is a profile as of a given time: what its samples inside the window say.
type Summary struct {
	// Samples is the number of memory samples; CPUSamples the number of CPU rates (a pod's
	// first counter and counter resets give none, so it can be lower).
	Samples    int64
	CPUSamples int64
	// First and Last are the times of the oldest and newest samples inside the window.
	First, Last time.Time
	// CPU is the distribution of CPU rates in cores; Memory of working sets in bytes.
	CPU, Memory Distribution
	// LastMemory is the current memory usage for memory safety rules: the highest working set
	// among the latest working sets of the profile's pods, counting each pod that has not been
	// forgotten (ForgetPod) and whose latest working set is inside the window. It is 0 when
	// there is none, for example just after Restore, which does not bring pods back.
	LastMemory float64
	// Pods is the number of pods LastMemory was taken over.
	Pods int
}

// Store holds usage profiles. It is safe for concurrent use.
type Store struct {
	mu       sync.Mutex
	window   time.Duration
	slices   int
	sliceDur int64                     // nanoseconds
	policies map[string][]namedProfile // sorted by container
	pods     map[string][]Key          // the profiles that hold state of a pod
}

// namedProfile is the profile of one container of a policy. A policy has few containers,
// so a sorted slice of them is smaller than a map and as quick.
type namedProfile struct {
	container string
	*profile
}

type profile struct {
	slices []slice // sorted by index, at most Store.slices
	pods   map[string]*podState
}

// podState is what a profile remembers of one pod's container between samples.
type podState struct {
	cpu     float64 // the previous CPU counter
	cpuTime int64   // its time, Unix nanoseconds; 0 before the first
	memory  float64 // the latest working set
	memTime int64   // its time; 0 before the first
}

func (ps *podState) latest() int64 { return max(ps.cpuTime, ps.memTime) }

// NewStore returns an empty Store.
func NewStore(opts Options) *Store {
	if opts.Window <= 0 {
		opts.Window = DefaultWindow
	}
	if opts.Slices <= 0 {
		opts.Slices = DefaultSlices
	}
	if limit := max(1, opts.Window/minSlice); int64(opts.Slices) > int64(limit) {
		opts.Slices = int(limit)
	}
	return &Store{
		window:   opts.Window,
		slices:   opts.Slices,
		sliceDur: int64(opts.Window) / int64(opts.Slices),
		policies: map[string][]namedProfile{},
		pods:     map[string][]Key{},
	}
}

// Options returns the options in effect, after defaults and limits.
func (s *Store) Options() Options { return Options{Window: s.window, Slices: s.slices} }

var (
	earliest = time.Unix(0, 1)
	latest   = time.Unix(0, math.MaxInt64)
)

// unixNano returns t in Unix nanoseconds, false for times it cannot represent or not after
// the epoch.
func unixNano(t time.Time) (int64, bool) {
	if t.Before(earliest) || t.After(latest) {
		return 0, false
	}
	return t.UnixNano(), true
}

// firstLive is the index of the oldest slice inside the window at now (Unix nanoseconds).
func (s *Store) firstLive(now int64) int64 { return now/s.sliceDur - int64(s.slices) + 1 }

// profile returns the profile key, nil if there is none.
func (s *Store) profile(key Key) *profile {
	ps := s.policies[key.Policy]
	i, found := slices.BinarySearchFunc(ps, key.Container, compareContainer)
	if !found {
		return nil
	}
	return ps[i].profile
}

func compareContainer(np namedProfile, container string) int {
	return strings.Compare(np.container, container)
}

// Observe adds a sample of the pod podKey to the profile key and returns what it added.
// podKey is an opaque name of the pod, unique across clusters (such as
// "cluster/namespace/pod"); together with key it names the state kept between samples: the
// previous CPU counter, from which the CPU rate is computed, and the latest working set.
// Samples of one pod/container must come in time order; a sample that is not newer than the
// previous one (per resource) is ignored.
func (s *Store) Observe(key Key, podKey string, sm Sample) Reading {
	r := Reading{Time: sm.Time}
	t, ok := unixNano(sm.Time)
	cpuOK := sm.HasCPU && usable(sm.CPUSeconds)
	memOK := sm.HasMemory && usable(sm.MemoryBytes)
	if !ok || !cpuOK && !memOK {
		return r
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.profile(key)
	if p == nil {
		p = &profile{pods: map[string]*podState{}}
		ps := s.policies[key.Policy]
		i, _ := slices.BinarySearchFunc(ps, key.Container, compareContainer)
		s.policies[key.Policy] = slices.Insert(ps, i, namedProfile{container: key.Container, profile: p})
	}
	ps := p.pods[podKey]
	if ps == nil {
		ps = &podState{}
		p.pods[podKey] = ps
		s.pods[podKey] = append(s.pods[podKey], key)
	}

	var cpuRate float64
	if cpuOK {
		switch {
		case ps.cpuTime != 0 && t <= ps.cpuTime:
			cpuOK = false // a repeated or late reading
		case ps.cpuTime == 0 || sm.CPUSeconds < ps.cpu:
			cpuOK = false // no previous counter, or the container restarted
			ps.cpu, ps.cpuTime = sm.CPUSeconds, t
		default:
			cpuRate = (sm.CPUSeconds - ps.cpu) / (float64(t-ps.cpuTime) / 1e9)
			ps.cpu, ps.cpuTime = sm.CPUSeconds, t
			cpuOK = usable(cpuRate)
		}
	}
	if memOK {
		if ps.memTime != 0 && t <= ps.memTime {
			memOK = false
		} else {
			ps.memory, ps.memTime = sm.MemoryBytes, t
		}
	}
	if !cpuOK && !memOK {
		return r
	}
	sl, opened := s.sliceFor(p, t)
	if sl == nil {
		return r
	}
	h := sl.hot
	if h.first == 0 || t < h.first {
		h.first = t
	}
	h.last = max(h.last, t)
	if cpuOK {
		h.cpu.add(cpuEdges, cpuRate)
		h.cpuMax = max(h.cpuMax, cpuRate)
		r.CPUCores, r.HasCPU = cpuRate, true
	}
	if memOK {
		h.memory.add(memoryEdges, sm.MemoryBytes)
		h.memMax = max(h.memMax, sm.MemoryBytes)
		r.MemoryBytes, r.HasMemory = sm.MemoryBytes, true
	}
	if opened {
		s.prunePods(key, p, s.firstLive(t)*s.sliceDur)
	}
	return r
}

// sliceFor returns the slice of p that holds time t, hot, adding it when missing; nil when t
// is older than p's window (which ends at its newest slice). opened reports that a new
// newest slice was added, so older slices may have left the window.
func (s *Store) sliceFor(p *profile, t int64) (sl *slice, opened bool) {
	idx := t / s.sliceDur
	n := len(p.slices)
	if n > 0 && idx <= p.slices[n-1].index {
		if p.slices[n-1].index-idx >= int64(s.slices) {
			return nil, false
		}
		i, found := slices.BinarySearchFunc(p.slices, idx, compareIndex)
		if !found {
			p.slices = slices.Insert(p.slices, i, newSlice(idx))
		}
		p.slices[i].unseal(s.sliceDur)
		return &p.slices[i], false
	}
	// A new newest slice: expire the slices it pushes out of the window, and seal those
	// before the previous one (which keeps taking the samples that arrive a little late).
	keep := p.slices
	for len(keep) > 0 && keep[0].index <= idx-int64(s.slices) {
		keep = keep[1:]
	}
	if len(keep) < n {
		m := copy(p.slices, keep)
		clear(p.slices[m:])
		p.slices = p.slices[:m]
	}
	for i := range p.slices {
		if p.slices[i].index < idx-1 {
			p.slices[i].seal(s.sliceDur)
		}
	}
	if len(p.slices) == cap(p.slices) {
		grown := make([]slice, len(p.slices), min(s.slices, max(4, 2*cap(p.slices))))
		copy(grown, p.slices)
		p.slices = grown
	}
	p.slices = append(p.slices, newSlice(idx))
	return &p.slices[len(p.slices)-1], true
}

func compareIndex(sl slice, index int64) int { return cmp.Compare(sl.index, index) }

// prunePods drops the state of p's pods with nothing since from (Unix nanoseconds).
func (s *Store) prunePods(key Key, p *profile, from int64) {
	for podKey, ps := range p.pods {
		if ps.latest() < from {
			delete(p.pods, podKey)
			s.unindexPod(podKey, key)
		}
	}
}

// unindexPod removes key from the profiles that hold state of podKey.
func (s *Store) unindexPod(podKey string, key Key) {
	keys := slices.DeleteFunc(s.pods[podKey], func(k Key) bool { return k == key })
	if len(keys) == 0 {
		delete(s.pods, podKey)
		return
	}
	s.pods[podKey] = keys
}

// ForgetPod drops the state kept of a pod (its CPU counters and latest working sets), in
// every profile. Call it when the pod is deleted. The samples it gave stay in the profiles.
func (s *Store) ForgetPod(podKey string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, key := range s.pods[podKey] {
		if p := s.profile(key); p != nil {
			delete(p.pods, podKey)
		}
	}
	delete(s.pods, podKey)
}

// ForgetPolicy drops every profile of a policy, with the state kept of its pods.
func (s *Store) ForgetPolicy(policy string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forgetPolicy(policy)
}

func (s *Store) forgetPolicy(policy string) {
	for _, np := range s.policies[policy] {
		for podKey := range np.pods {
			s.unindexPod(podKey, Key{Policy: policy, Container: np.container})
		}
	}
	delete(s.policies, policy)
}

// Prune frees what no longer counts at now: slices outside the window, the state of pods
// with no sample inside it, and profiles left with neither. Observe already does so for the
// profile it adds to; call Prune now and then (say once per slice) to reclaim the memory of
// workloads that stopped reporting.
func (s *Store) Prune(now time.Time) {
	t, ok := unixNano(now)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	lo := s.firstLive(t)
	for policy, nps := range s.policies {
		nps = slices.DeleteFunc(nps, func(np namedProfile) bool {
			p := np.profile
			i := 0
			for i < len(p.slices) && p.slices[i].index < lo {
				i++
			}
			if i > 0 {
				p.slices = slices.Clip(slices.Clone(p.slices[i:]))
			}
			s.prunePods(Key{Policy: policy, Container: np.container}, p, lo*s.sliceDur)
			return len(p.slices) == 0 && len(p.pods) == 0
		})
		if len(nps) == 0 {
			delete(s.policies, policy)
		} else {
			s.policies[policy] = nps
		}
	}
}

// Summary reads the profile key as of now: slices entirely outside the window do not count.
// ok is false when there is no such profile or nothing of it is inside the window.
func (s *Store) Summary(key Key, now time.Time) (sum Summary, ok bool) {
	t, valid := unixNano(now)
	if !valid {
		return Summary{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.profile(key)
	if p == nil {
		return Summary{}, false
	}
	lo := s.firstLive(t)
	var first, last int64
	cpu, memory := newCounts(), newCounts()
	for i := range p.slices {
		sl := &p.slices[i]
		if sl.index < lo {
			continue
		}
		hdr := sl.addTo(s.sliceDur, cpu, memory)
		if first == 0 || hdr.first < first {
			first = hdr.first
		}
		last = max(last, hdr.last)
	}
	sum.CPU, sum.Memory = cpu.distribution(cpuEdges), memory.distribution(memoryEdges)
	sum.Samples, sum.CPUSamples = sum.Memory.Count(), sum.CPU.Count()
	if sum.Samples == 0 && sum.CPUSamples == 0 {
		return Summary{}, false
	}
	sum.First, sum.Last = time.Unix(0, first), time.Unix(0, last)
	from := lo * s.sliceDur
	for _, ps := range p.pods {
		if ps.memTime != 0 && ps.memTime >= from {
			sum.LastMemory = max(sum.LastMemory, ps.memory)
			sum.Pods++
		}
	}
	return sum, true
}

// Containers returns the names of the containers that have a profile under a policy, sorted.
func (s *Store) Containers(policy string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	nps := s.policies[policy]
	names := make([]string, len(nps))
	for i, np := range nps {
		names[i] = np.container
	}
	return names
}
