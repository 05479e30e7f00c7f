package federation

import (
	"hash/fnv"
	"sync"
	"time"
)

// memory is what the reconciler remembers of the members between passes, to save round trips
// and to see drift. It lives in the process only: after a restart everything is learnt again
// (a namespace is checked once more, a workload's generation is taken as the baseline).
type memory struct {
	mu sync.Mutex
	// namespaces holds "cluster/namespace" for namespaces known to exist in a member.
	namespaces map[string]bool
	// applied holds, per "cluster/namespace/application", the workload as Flotilla left it.
	applied map[string]appliedWorkload
}

// appliedWorkload is a member workload right after Flotilla's last apply (or, for one applied
// before this process started, when it was first seen with the expected content).
type appliedWorkload struct {
	// generation is the workload's metadata.generation as the apply returned it; a greater
	// generation in the member means someone else changed its spec.
	generation int64
	// at is when it was applied; a re-apply is due one resync period later.
	at time.Time
}

func newMemory() *memory {
	return &memory{namespaces: map[string]bool{}, applied: map[string]appliedWorkload{}}
}

func (m *memory) namespaceKnown(cluster, ns string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.namespaces[cluster+"/"+ns]
}

func (m *memory) setNamespace(cluster, ns string, exists bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if exists {
		m.namespaces[cluster+"/"+ns] = true
	} else {
		delete(m.namespaces, cluster+"/"+ns)
	}
}

func appKey(cluster, ns, app string) string { return cluster + "/" + ns + "/" + app }

func (m *memory) workload(cluster, ns, app string) (appliedWorkload, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.applied[appKey(cluster, ns, app)]
	return w, ok
}

func (m *memory) setWorkload(cluster, ns, app string, w appliedWorkload) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.applied[appKey(cluster, ns, app)] = w
}

func (m *memory) forgetWorkload(cluster, ns, app string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.applied, appKey(cluster, ns, app))
}

// jittered spreads the periodic re-applies of many Applications over [period, 1.2*period),
// the same way for the same key, so that they do not all fall due together.
func jittered(period time.Duration, key string) time.Duration {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return period + time.Duration(float64(period)*0.2*float64(h.Sum32())/float64(1<<32))
}
