package fleet

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"flotilla.dev/flotilla/internal/fleet/capacity"
	"flotilla.dev/flotilla/internal/fleet/credentials"
)

// connection is the hub's link to one member built from one version of its kubeconfig: a
// direct client, and caches that run only while the member is reachable.
type connection struct {
	cluster  string
	key      [sha256.Size]byte
	server   string
	redactor credentials.Redactor
	scheme   *runtime.Scheme

	rest       *rest.Config
	httpClient *http.Client
	mapper     meta.RESTMapper
	direct     client.Client
	probe      rest.Interface

	mu      sync.Mutex
	running context.CancelFunc // nil while the caches are stopped
	ctx     context.Context
	base    *syncedCache
	kinds   map[schema.GroupVersionKind]*syncedCache
}

// syncedCache is a cache and whether its informers have synced.
type syncedCache struct {
	cache.Cache
	synced atomic.Bool
}

func newConnection(cluster string, kubeconfig []byte, scheme *runtime.Scheme, opts Options) (*connection, error) {
	parsed, err := credentials.Parse(kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg := rest.CopyConfig(parsed.REST)
	cfg.QPS, cfg.Burst = opts.MemberQPS, opts.MemberBurst
	cfg.UserAgent = "flotilla-fleet"
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("building an HTTP client from the stored kubeconfig: %s", parsed.Redactor.Redact(err.Error()))
	}
	mapper, err := apiutil.NewDynamicRESTMapper(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("building a REST mapper: %s", parsed.Redactor.Redact(err.Error()))
	}
	direct, err := client.New(cfg, client.Options{Scheme: scheme, Mapper: mapper, HTTPClient: httpClient})
	if err != nil {
		return nil, fmt.Errorf("building a client: %s", parsed.Redactor.Redact(err.Error()))
	}
	dc, err := discovery.NewDiscoveryClientForConfigAndClient(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("building a probe client: %s", parsed.Redactor.Redact(err.Error()))
	}
	return &connection{
		cluster: cluster, key: keyOf(kubeconfig), server: cfg.Host, redactor: parsed.Redactor,
		scheme: scheme, rest: cfg, httpClient: httpClient, mapper: mapper, direct: direct, probe: dc.RESTClient(),
	}, nil
}

// version asks the member's /version. The error is classified and redacted.
func (c *connection) version(ctx context.Context, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body, err := c.probe.Get().AbsPath("/version").Do(ctx).Raw()
	if err != nil {
		return "", c.redactor.RedactError(credentials.Classify(err, c.server))
	}
	var info version.Info
	if err := json.Unmarshal(body, &info); err != nil {
		return "", fmt.Errorf("the member at %s answered /version with something that is not a version", c.server)
	}
	return info.GitVersion, nil
}

// start runs the node and pod cache and every watch, unless already running. onSynced is
// called once the node and pod cache has synced.
func (c *connection) start(root context.Context, watches map[schema.GroupVersionKind]watchSpec, onSynced func()) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running != nil {
		return nil
	}
	base, err := cache.New(c.rest, cache.Options{
		HTTPClient: c.httpClient, Scheme: c.scheme, Mapper: c.mapper,
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Node{}: {Transform: stripNode},
			&corev1.Pod{}:  {Transform: stripPod},
		},
		ReaderFailOnMissingInformer: true,
	})
	if err != nil {
		return fmt.Errorf("building the node and pod cache: %s", c.redactor.Redact(err.Error()))
	}
	ctx, cancel := context.WithCancel(root)
	for _, obj := range []client.Object{&corev1.Node{}, &corev1.Pod{}} {
		if _, err := base.GetInformer(ctx, obj, cache.BlockUntilSynced(false)); err != nil {
			cancel()
			return fmt.Errorf("starting the %T informer: %s", obj, c.redactor.Redact(err.Error()))
		}
	}
	c.ctx, c.running = ctx, cancel
	c.base = &syncedCache{Cache: base}
	c.kinds = map[schema.GroupVersionKind]*syncedCache{}
	runCache(ctx, c.base, onSynced)
	var errs []error
	for _, w := range watches {
		errs = append(errs, c.startWatchLocked(w))
	}
	return errors.Join(errs...)
}

// runCache starts sc in the background and marks it synced once its informers have synced.
func runCache(ctx context.Context, sc *syncedCache, onSynced func()) {
	go func() { _ = sc.Start(ctx) }()
	go func() {
		if sc.WaitForCacheSync(ctx) {
			sc.synced.Store(true)
			if onSynced != nil {
				onSynced()
			}
		}
	}()
}

// stop stops every cache; the direct client stays usable.
func (c *connection) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running == nil {
		return
	}
	c.running()
	c.running, c.ctx, c.base, c.kinds = nil, nil, nil, nil
}

// startWatch adds an informer for w if the caches are running; otherwise start does later.
func (c *connection) startWatch(w watchSpec) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running == nil {
		return nil
	}
	return c.startWatchLocked(w)
}

// startWatchLocked runs a cache holding only w's kind, restricted to w's selector, and hands
// its events to w.fn. c.mu must be held and the caches running.
func (c *connection) startWatchLocked(w watchSpec) error {
	if _, ok := c.kinds[w.gvk]; ok {
		return nil
	}
	kc, err := cache.New(c.rest, cache.Options{
		HTTPClient: c.httpClient, Scheme: c.scheme, Mapper: c.mapper,
		DefaultLabelSelector: w.selector, ReaderFailOnMissingInformer: true,
	})
	if err != nil {
		return fmt.Errorf("watching %s in %s: %s", w.gvk.Kind, c.cluster, c.redactor.Redact(err.Error()))
	}
	inf, err := kc.GetInformer(c.ctx, w.obj, cache.BlockUntilSynced(false))
	if err != nil {
		return fmt.Errorf("watching %s in %s: %s", w.gvk.Kind, c.cluster, c.redactor.Redact(err.Error()))
	}
	cluster, fn := c.cluster, w.fn
	deliver := func(obj any) {
		if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		if o, ok := obj.(client.Object); ok {
			fn(cluster, o)
		}
	}
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    deliver,
		UpdateFunc: func(_, obj any) { deliver(obj) },
		DeleteFunc: deliver,
	}); err != nil {
		return fmt.Errorf("watching %s in %s: %w", w.gvk.Kind, c.cluster, err)
	}
	sc := &syncedCache{Cache: kc}
	c.kinds[w.gvk] = sc
	runCache(c.ctx, sc, nil)
	return nil
}

// reader returns the synced cache watching gvk, or nil.
func (c *connection) reader(gvk schema.GroupVersionKind) client.Reader {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sc := c.kinds[gvk]; sc != nil && sc.synced.Load() {
		return sc
	}
	return nil
}

// nodeInputs builds capacity inputs from the synced node and pod cache.
func (c *connection) nodeInputs(ctx context.Context) ([]capacity.Node, error) {
	c.mu.Lock()
	base := c.base
	c.mu.Unlock()
	if base == nil || !base.synced.Load() {
		return nil, &NotConnectedError{Cluster: c.cluster, Reason: "the node and pod cache has not synced yet"}
	}
	// The cached objects are read, never modified, so they are not copied: groupByNode only
	// sums requests into new values.
	var nodes corev1.NodeList
	if err := base.List(ctx, &nodes, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing nodes of %s from the cache: %w", c.cluster, err)
	}
	var pods corev1.PodList
	if err := base.List(ctx, &pods, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing pods of %s from the cache: %w", c.cluster, err)
	}
	return groupByNode(nodes.Items, pods.Items), nil
}

func keyOf(kubeconfig []byte) [sha256.Size]byte { return sha256.Sum256(kubeconfig) }
