package fleet

import (
	"context"
	"time"

	"flotilla.dev/flotilla/internal/fleet/capacity"
)

// probeInput is what the reconciler hands the registry for one probe of a member.
type probeInput struct {
	cluster string
	// kubeconfig is the stored credential; nil with credErr set when it cannot be read.
	kubeconfig []byte
	credErr    error
	// seed rebuilds the hysteresis state the first time the registry sees the member.
	seed HealthState
}

// probe (re)connects to the member if its credential changed, asks its /version, folds the
// result into the hysteresis state, starts the caches once the member is reachable and stops
// them once it is declared unreachable, and returns what the status needs.
func (r *Registry) probe(ctx context.Context, in probeInput) Observation {
	conn, problem := r.connect(in)
	var (
		version string
		latency time.Duration
	)
	if conn != nil {
		start := r.clock.Now()
		version, problem = conn.version(ctx, r.opts.ProbeTimeout)
		latency = r.clock.Since(start)
		r.metrics.observeProbe(in.cluster, latency)
	}
	now := r.clock.Now()

	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.members[in.cluster]
	if m == nil { // forgotten while probing
		return Observation{Now: now, Problem: problem}
	}
	if in.credErr == nil || (m.health.Verdict != ReachabilityUnknown && m.health.Verdict != "") {
		// A Secret not yet in the cache right after a join must not declare a cluster that was
		// never probed unreachable (and then make it wait the success threshold).
		m.health = Observe(m.health, problem == nil, now, r.opts.Thresholds)
	}
	m.lastProbe = now
	m.problem = ""
	if problem != nil {
		m.problem = problem.Error()
	}
	obs := Observation{Now: now, Health: m.health, Problem: problem, Version: version, Latency: latency}
	if m.conn != nil {
		r.runCachesLocked(m)
		obs.Nodes, obs.Synced = r.syncedNodes(m.conn)
	}
	m.ready = m.health.Verdict == Reachable && obs.Synced && countNodes(obs.Nodes).Ready > 0
	return obs
}

// connect returns the member's connection, replacing it when the credential changed. Without a
// usable credential it closes the connection and returns why.
func (r *Registry) connect(in probeInput) (*connection, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.memberLocked(in.cluster, in.seed)
	if in.credErr != nil {
		m.closeConn()
		return nil, in.credErr
	}
	if m.conn != nil && m.conn.key == keyOf(in.kubeconfig) {
		return m.conn, nil
	}
	m.closeConn()
	conn, err := newConnection(in.cluster, in.kubeconfig, r.scheme, r.opts)
	if err != nil {
		return nil, err
	}
	m.conn = conn
	return conn, nil
}

// memberLocked returns the record of cluster, creating it seeded. r.mu must be held.
func (r *Registry) memberLocked(cluster string, seed HealthState) *member {
	m := r.members[cluster]
	if m == nil {
		m = newMember(cluster, r.watchAll)
		m.health = seed
		r.members[cluster] = m
	}
	return m
}

// runCachesLocked runs the member's caches while it is reachable and stops them once it is
// declared unreachable, so informers do not spin against a dead server and no stale data is
// served; Watch registrations are kept and come back with the caches.
func (r *Registry) runCachesLocked(m *member) {
	if m.health.Verdict != Reachable {
		m.conn.stop()
		return
	}
	name := m.name
	if err := m.conn.start(r.root, m.watches, func() { r.notifyConnected(name) }); err != nil {
		r.log.Error(err, "starting the member caches", "cluster", name)
	}
}

// syncedNodes reads the capacity inputs when the node and pod cache has synced.
func (r *Registry) syncedNodes(conn *connection) ([]capacity.Node, bool) {
	nodes, err := conn.nodeInputs(r.root)
	if err != nil {
		return nil, false
	}
	return nodes, true
}

// notifyConnected tells the reconciler that cluster's caches have synced.
func (r *Registry) notifyConnected(cluster string) {
	if r.connected == nil {
		return
	}
	select {
	case r.connected <- cluster:
	case <-r.root.Done():
	}
}

// forget closes and drops cluster (it left the fleet).
func (r *Registry) forget(cluster string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m := r.members[cluster]; m != nil {
		m.closeConn()
		delete(r.members, cluster)
	}
	r.metrics.forget(cluster)
}
