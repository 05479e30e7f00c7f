package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	eventsv1 "k8s.io/api/events/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// change is one SSE event: an object of a kind changed.
type change struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
}

// watched are the kinds whose changes are streamed, with the resource RBAC names them by.
var watched = []struct {
	kind, group, resource string
	obj                   client.Object
}{
	{"MemberCluster", flotillav1alpha1.GroupVersion.Group, "memberclusters", &flotillav1alpha1.MemberCluster{}},
	{"Application", flotillav1alpha1.GroupVersion.Group, "applications", &flotillav1alpha1.Application{}},
	{"ApplicationRevision", flotillav1alpha1.GroupVersion.Group, "applicationrevisions", &flotillav1alpha1.ApplicationRevision{}},
	{"FleetAutoscaler", flotillav1alpha1.GroupVersion.Group, "fleetautoscalers", &flotillav1alpha1.FleetAutoscaler{}},
	{"ResourcePolicy", flotillav1alpha1.GroupVersion.Group, "resourcepolicies", &flotillav1alpha1.ResourcePolicy{}},
	{"Event", "events.k8s.io", "events", &eventsv1.Event{}},
	{"AuditRecord", flotillav1alpha1.GroupVersion.Group, AuditResource, nil},
}

// keepAlive is how often an idle stream gets a comment line.
const keepAlive = 15 * time.Second

// accessFor is how long a user's right to list a kind in a namespace is remembered.
const accessFor = 30 * time.Second

// broker fans changes out to the open streams, each filtered by its user's RBAC.
type broker struct {
	s    *Server
	mu   sync.Mutex
	subs map[chan change]struct{}

	accessMu sync.Mutex
	access   map[string]accessAnswer
}

type accessAnswer struct {
	ok      bool
	expires time.Time
}

func newBroker(s *Server) *broker {
	return &broker{s: s, subs: map[chan change]struct{}{}, access: map[string]accessAnswer{}}
}

// watch starts the informers that feed the broker.
func (b *broker) watch(ctx context.Context) error {
	for _, w := range watched {
		if w.obj == nil {
			continue
		}
		inf, err := b.s.cache.GetInformer(ctx, w.obj)
		if err != nil {
			return fmt.Errorf("watching %s for the console: %w", w.kind, err)
		}
		kind := w.kind
		publish := func(obj any) {
			if o, ok := obj.(client.Object); ok {
				b.publish(change{Kind: kind, Namespace: o.GetNamespace(), Name: o.GetName()})
			}
		}
		if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc: publish, UpdateFunc: func(_, o any) { publish(o) },
			DeleteFunc: func(o any) {
				if t, ok := o.(toolscache.DeletedFinalStateUnknown); ok {
					o = t.Obj
				}
				publish(o)
			},
		}); err != nil {
			return err
		}
	}
	go func() { _ = b.s.cache.Start(ctx) }()
	return nil
}

// publish sends a change to every stream; a stream that is behind drops it (the console re-reads
// on the next one anyway).
func (b *broker) publish(c change) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- c:
		default:
		}
	}
}

// may says whether u may list kind in namespace (remembered for accessFor).
func (b *broker) may(ctx context.Context, u *User, c change) bool {
	for _, w := range watched {
		if w.kind != c.Kind {
			continue
		}
		key := u.Name + "\x00" + c.Kind + "\x00" + c.Namespace
		now := b.s.opts.Clock.Now()
		b.accessMu.Lock()
		a, ok := b.access[key]
		b.accessMu.Unlock()
		if ok && now.Before(a.expires) {
			return a.ok
		}
		allowedNow, _, err := allowed(ctx, b.s.hub, u, "list", w.group, w.resource, c.Namespace)
		if err != nil {
			return false
		}
		b.accessMu.Lock()
		if len(b.access) > 10000 {
			b.access = map[string]accessAnswer{}
		}
		b.access[key] = accessAnswer{ok: allowedNow, expires: now.Add(accessFor)}
		b.accessMu.Unlock()
		return allowedNow
	}
	return false
}

// serve is GET /api/v1/stream.
func (b *broker) serve(w http.ResponseWriter, r *http.Request, u *User) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "streaming is not supported here", "")
		return
	}
	ch := make(chan change, 256)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.subs, ch)
		b.mu.Unlock()
	}()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": connected\n\n")
	flusher.Flush()
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			fmt.Fprint(w, ": ping\n\n")
		case c := <-ch:
			if !b.may(r.Context(), u, c) {
				continue
			}
			data, _ := json.Marshal(c)
			fmt.Fprintf(w, "event: change\ndata: %s\n\n", data)
		}
		flusher.Flush()
	}
}
