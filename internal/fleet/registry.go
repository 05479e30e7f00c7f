package fleet

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"flotilla.dev/flotilla/internal/fleet/capacity"
)

// ErrClusterNotConnected is returned (wrapped in a *NotConnectedError) by Registry methods for
// a cluster the registry has no usable connection to: not joined, its credential unreadable, or
// not reachable. Test with errors.Is.
var ErrClusterNotConnected = errors.New("member cluster not connected")

// NotConnectedError says which cluster is not connected and why.
type NotConnectedError struct {
	// Cluster is the MemberCluster name.
	Cluster string
	// Reason is a short phrase: "not joined", "unreachable since ...", ...
	Reason string
}

func (e *NotConnectedError) Error() string {
	return fmt.Sprintf("member cluster %q is not connected: %s", e.Cluster, e.Reason)
}

// Is makes errors.Is(err, ErrClusterNotConnected) true.
func (e *NotConnectedError) Is(target error) bool { return target == ErrClusterNotConnected }

// Health is the registry's current view of one member, for failover decisions.
type Health struct {
	// Reachable is the debounced verdict: false only after probes failed for the failure
	// threshold (or before the first successful probe of a newly joined cluster).
	Reachable bool
	// Ready is Reachable with at least one Ready node.
	Ready bool
	// Since is when Reachable last changed (zero before the first probe).
	Since time.Time
	// LostSince is when the cluster was declared unreachable; zero while Reachable.
	LostSince time.Time
	// FailingSince is when probes started failing while still Reachable (within the failure
	// threshold); zero when the last probe succeeded.
	FailingSince time.Time
	// LastProbe is when the cluster was last probed.
	LastProbe time.Time
}

// EventFunc receives an object of a watched kind that was added, updated or deleted in cluster.
// It runs on the informer's goroutine: it must return quickly (enqueue, do not call APIs).
type EventFunc func(cluster string, obj client.Object)

// Registry is the fleet cache: one connection per member cluster, with informers on nodes and
// pods and on the kinds other controllers Watch. It is safe for concurrent use. The
// MemberCluster reconciler opens, probes and closes connections; other controllers only read.
type Registry struct {
	scheme *runtime.Scheme
	clock  clock.PassiveClock
	opts   Options
	log    logr.Logger

	// root lives as long as the manager; connections derive their contexts from it.
	root     context.Context
	stopRoot context.CancelFunc

	mu       sync.RWMutex
	members  map[string]*member
	watchAll []watchSpec
	// connected receives a member's name when its caches have synced after a (re)connection,
	// so the reconciler refreshes its status at once.
	connected chan string
	metrics   *metrics
}

// watchSpec is one Watch registration, remembered so it survives reconnections.
type watchSpec struct {
	gvk      schema.GroupVersionKind
	obj      client.Object
	selector labels.Selector
	fn       EventFunc
}

// Clusters lists the names of the members the registry knows, sorted.
func (r *Registry) Clusters() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.members))
	for name := range r.members {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Health returns the registry's view of cluster; ok is false for a cluster it does not know.
func (r *Registry) Health(cluster string) (h Health, ok bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	m := r.members[cluster]
	if m == nil {
		return Health{}, false
	}
	return m.healthView(), true
}

// Client returns a client for cluster. Writes go straight to the member's API server. Reads
// (Get, List) of a kind that is being watched in that member (see Watch) are served from the
// member cache once it has synced — a cached Get that finds nothing falls back to the API
// server, a cached List sees only the objects matching the Watch selector; reads of other kinds
// go to the API server. It returns a *NotConnectedError (errors.Is ErrClusterNotConnected) when
// the cluster is unknown, its credential unusable, or it is not reachable. Ask for a new client
// per reconciliation rather than keeping one: a credential rotation replaces the connection.
func (r *Registry) Client(ctx context.Context, cluster string) (client.Client, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	m, err := r.usableLocked(cluster)
	if err != nil {
		return nil, err
	}
	return &memberClient{Client: m.conn.direct, registry: r, cluster: cluster, conn: m.conn}, nil
}

// APIReader returns a reader of cluster that always asks its API server, for what the cache
// keeps only in part (pods are trimmed to what capacity needs). Errors are those of Client.
func (r *Registry) APIReader(_ context.Context, cluster string) (client.Reader, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	m, err := r.usableLocked(cluster)
	if err != nil {
		return nil, err
	}
	return m.conn.direct, nil
}

// GetPath GETs a raw path of cluster's API server, e.g. a node's kubelet metrics through the
// node proxy (/api/v1/nodes/NAME/proxy/metrics/resource). Errors are those of Client, or the
// API server's answer.
func (r *Registry) GetPath(ctx context.Context, cluster, path string) ([]byte, error) {
	r.mu.RLock()
	m, err := r.usableLocked(cluster)
	r.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	return m.conn.probe.Get().AbsPath(path).Do(ctx).Raw()
}

// Watch makes sure cluster's cache has an informer for the kind of obj (e.g. an empty
// *appsv1.Deployment) restricted to selector, and calls fn for every object of that kind the
// informer adds, updates or deletes (including the initial list). It is idempotent per
// (cluster, kind): a second call for the same kind is a no-op that keeps the first selector and
// fn. The registration is remembered: it is re-established with a full initial list every time
// the member reconnects. Watch returns a *NotConnectedError for a cluster the registry does
// not know; a known but unreachable cluster gets the informer when it comes back. Other errors
// (the kind is not served by the member, ...) are returned when the member is connected; the
// registration is kept and retried at the next reconnection.
func (r *Registry) Watch(ctx context.Context, cluster string, obj client.Object, selector labels.Selector, fn EventFunc) error {
	spec, err := r.newWatchSpec(obj, selector, fn)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.members[cluster]
	if m == nil {
		return &NotConnectedError{Cluster: cluster, Reason: "no MemberCluster of that name has been seen"}
	}
	return m.addWatch(spec)
}

// WatchAll is Watch on every member the registry knows now and every member that joins later.
// It is idempotent per kind.
func (r *Registry) WatchAll(obj client.Object, selector labels.Selector, fn EventFunc) error {
	spec, err := r.newWatchSpec(obj, selector, fn)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range r.watchAll {
		if w.gvk == spec.gvk {
			return nil
		}
	}
	r.watchAll = append(r.watchAll, spec)
	var errs []error
	for _, m := range r.members {
		errs = append(errs, m.addWatch(spec))
	}
	return errors.Join(errs...)
}

func (r *Registry) newWatchSpec(obj client.Object, selector labels.Selector, fn EventFunc) (watchSpec, error) {
	gvk, err := apiutil.GVKForObject(obj, r.scheme)
	if err != nil {
		return watchSpec{}, fmt.Errorf("watching %T: %w (register the type in the scheme given to fleet.Setup)", obj, err)
	}
	if selector == nil {
		selector = labels.Everything()
	}
	if fn == nil {
		return watchSpec{}, fmt.Errorf("watching %s: fn must not be nil", gvk.Kind)
	}
	proto, ok := obj.DeepCopyObject().(client.Object)
	if !ok {
		return watchSpec{}, fmt.Errorf("watching %s: %T is not a client.Object", gvk.Kind, obj)
	}
	return watchSpec{gvk: gvk, obj: proto, selector: selector, fn: fn}, nil
}

// Nodes returns a snapshot of cluster's nodes as capacity inputs (allocatable, and the requests
// of the unfinished pods bound to each), built from the member cache, never from a LIST against
// the member. Pass it to capacity.Estimate to ask how many replicas of a template fit. It
// returns a *NotConnectedError when the cluster is not connected or its cache has not synced.
func (r *Registry) Nodes(cluster string) ([]capacity.Node, error) {
	r.mu.RLock()
	m, err := r.usableLocked(cluster)
	r.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	return m.conn.nodeInputs(r.root)
}

// usableLocked returns the member if it can serve requests. r.mu must be held.
func (r *Registry) usableLocked(cluster string) (*member, error) {
	m := r.members[cluster]
	switch {
	case m == nil:
		return nil, &NotConnectedError{Cluster: cluster, Reason: "no MemberCluster of that name has been seen"}
	case m.conn == nil:
		return nil, &NotConnectedError{Cluster: cluster, Reason: m.why()}
	case m.health.Verdict != Reachable:
		return nil, &NotConnectedError{Cluster: cluster, Reason: m.why()}
	}
	return m, nil
}
