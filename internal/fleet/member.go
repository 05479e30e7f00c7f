package fleet

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// member is the registry's record of one MemberCluster. Guarded by Registry.mu.
type member struct {
	name      string
	health    HealthState
	ready     bool
	lastProbe time.Time
	// problem is the (redacted) reason of the last failed probe or unusable credential.
	problem string
	// conn is nil while the member has no usable credential.
	conn    *connection
	watches map[schema.GroupVersionKind]watchSpec
}

func newMember(name string, all []watchSpec) *member {
	m := &member{name: name, watches: map[schema.GroupVersionKind]watchSpec{}}
	for _, w := range all {
		m.watches[w.gvk] = w
	}
	return m
}

// addWatch remembers spec (first registration per kind wins) and starts it when connected.
func (m *member) addWatch(spec watchSpec) error {
	if _, ok := m.watches[spec.gvk]; ok {
		return nil
	}
	m.watches[spec.gvk] = spec
	if m.conn != nil {
		return m.conn.startWatch(spec)
	}
	return nil
}

func (m *member) healthView() Health {
	h := Health{
		Reachable: m.health.Verdict == Reachable,
		Ready:     m.ready,
		Since:     m.health.Since,
		LastProbe: m.lastProbe,
	}
	switch m.health.Verdict {
	case Reachable:
		h.FailingSince = m.health.ContradictedSince
	case Unreachable:
		h.LostSince = m.health.Since
	}
	return h
}

// why explains why the member cannot serve requests.
func (m *member) why() string {
	switch {
	case m.health.Verdict == ReachabilityUnknown || m.health.Verdict == "":
		if m.problem != "" {
			return m.problem
		}
		return "not probed yet"
	case m.health.Verdict == Unreachable:
		return fmt.Sprintf("unreachable since %s: %s", m.health.Since.UTC().Format(time.RFC3339), m.problem)
	case m.conn == nil:
		return m.problem
	}
	return "connected"
}

// closeConn stops the member's caches and drops its connection.
func (m *member) closeConn() {
	if m.conn != nil {
		m.conn.stop()
		m.conn = nil
	}
}
