package traffic

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/devfleet"
)

// Cluster is a cluster whose pods get traffic.
type Cluster struct {
	// Name is the cluster label of its pods' series, e.g. "member-1".
	Name   string
	Config *rest.Config
}

// FleetClusters returns the member clusters of f.
func FleetClusters(f *devfleet.Fleet) ([]Cluster, error) {
	out := make([]Cluster, 0, len(f.Members))
	for _, m := range f.Members {
		cfg, err := m.RESTConfig()
		if err != nil {
			return nil, err
		}
		out = append(out, Cluster{Name: m.Name, Config: cfg})
	}
	return out, nil
}

// Options tune a Generator.
type Options struct {
	// Rate is how many requests each serving pod gets per second; 0 means 10.
	Rate int
	// Interval is how often the counters advance, by Rate*Interval requests per pod (a whole
	// number); 0 means one second.
	Interval time.Duration
	// Forget is how long the series of a deleted pod stay before they are deleted; 0 means two
	// minutes, enough for a query's window to see the last requests.
	Forget time.Duration
	// Clock drives the counting; nil means the real clock.
	Clock clock.WithTicker
}

// Generator counts simulated requests for the pods of some clusters. Run watches the pods and
// counts; Handler serves the metrics.
type Generator struct {
	clusters []Cluster
	opts     Options
	perTick  int
	metrics  *metrics

	mu      sync.Mutex
	pods    map[podKey]*podState
	offered map[appKey]int
	started bool
	synced  []cache.InformerSynced
}

type podKey struct{ cluster, namespace, name string }

type podState struct {
	series    Series
	behaviour Behaviour
	// sent counts the requests counted so far, to continue the failure pattern.
	sent int
	// goneSince is when the pod was deleted; zero while it exists.
	goneSince time.Time
}

// New returns a Generator for clusters, or an error when the options make no whole number of
// requests per interval.
func New(clusters []Cluster, o Options) (*Generator, error) {
	if o.Rate == 0 {
		o.Rate = 10
	}
	if o.Interval == 0 {
		o.Interval = time.Second
	}
	if o.Forget == 0 {
		o.Forget = 2 * time.Minute
	}
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	perTick := float64(o.Rate) * o.Interval.Seconds()
	if o.Rate < 0 || o.Interval < 0 || perTick < 1 || perTick != math.Trunc(perTick) {
		return nil, fmt.Errorf("a rate of %d requests per second counted every %s makes %g requests per count: rate x interval must be a whole number, at least 1", o.Rate, o.Interval, perTick)
	}
	return &Generator{clusters: clusters, opts: o, perTick: int(perTick), metrics: newMetrics(), pods: map[podKey]*podState{},
		offered: map[appKey]int{}}, nil
}

// Run watches the pods of every cluster and counts requests until ctx ends. A cluster that
// cannot be reached is retried in the background; Ready tells when every watch has started.
func (g *Generator) Run(ctx context.Context) error {
	synced := make([]cache.InformerSynced, 0, len(g.clusters))
	for _, c := range g.clusters {
		factory, hasSynced, err := g.watch(c)
		if err != nil {
			return err
		}
		factory.Start(ctx.Done())
		defer factory.Shutdown()
		synced = append(synced, hasSynced)
	}
	g.mu.Lock()
	g.started, g.synced = true, synced
	g.mu.Unlock()
	t := g.opts.Clock.NewTicker(g.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
			g.tick()
		}
	}
}

// Ready returns nil once Run has listed the pods of every cluster.
func (g *Generator) Ready() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.started {
		return errors.New("not started")
	}
	for i, synced := range g.synced {
		if !synced() {
			return fmt.Errorf("the pods of %s are not listed yet", g.clusters[i].Name)
		}
	}
	return nil
}

// watch prepares an informer on the pods of c that keeps only what Decide and SeriesOf read.
func (g *Generator) watch(c Cluster) (informers.SharedInformerFactory, cache.InformerSynced, error) {
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return nil, nil, fmt.Errorf("connecting to %s: %w", c.Name, err)
	}
	factory := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithTransform(slimPod))
	inf := factory.Core().V1().Pods().Informer()
	_, err = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { g.observe(c.Name, obj) },
		UpdateFunc: func(_, obj any) { g.observe(c.Name, obj) },
		DeleteFunc: func(obj any) { g.gone(c.Name, obj) },
	})
	if err != nil {
		return nil, nil, fmt.Errorf("watching the pods of %s: %w", c.Name, err)
	}
	return factory, inf.HasSynced, nil
}

// observe records the current state of a pod.
func (g *Generator) observe(cluster string, obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	k := podKey{cluster: cluster, namespace: pod.Namespace, name: pod.Name}
	g.mu.Lock()
	defer g.mu.Unlock()
	st := g.pods[k]
	if st == nil {
		st = &podState{}
		g.pods[k] = st
	}
	st.series = SeriesOf(cluster, pod)
	st.behaviour = Decide(Images(pod), Serving(pod))
	st.goneSince = time.Time{}
}

// gone stops the traffic of a deleted pod; its series stay for Options.Forget.
func (g *Generator) gone(cluster string, obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		return
	}
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if st := g.pods[podKey{cluster: cluster, namespace: namespace, name: name}]; st != nil {
		st.goneSince = g.opts.Clock.Now()
	}
}

// tick counts one interval's requests of every serving pod and forgets the pods deleted more
// than Options.Forget ago.
func (g *Generator) tick() {
	now := g.opts.Clock.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	shares := g.shares()
	for k, st := range g.pods {
		if !st.goneSince.IsZero() {
			if now.Sub(st.goneSince) >= g.opts.Forget {
				g.metrics.forget(k)
				delete(g.pods, k)
			}
			continue
		}
		n := g.perTick
		if _, demanded := g.offered[appKey{namespace: st.series.Namespace, app: st.series.App}]; demanded {
			n = shares[k]
		}
		ok, failed := Split(st.behaviour, st.sent, n)
		if ok+failed == 0 {
			continue
		}
		st.sent += ok + failed
		g.metrics.record(st.series, ok, failed, st.behaviour.LatencySeconds)
	}
}

// slimPod keeps of a pod only what the generator reads, so the informers' caches stay small.
func slimPod(obj any) (any, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil
	}
	slim := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID, ResourceVersion: pod.ResourceVersion,
			Labels: pod.Labels, DeletionTimestamp: pod.DeletionTimestamp,
		},
		Status: corev1.PodStatus{Phase: pod.Status.Phase},
	}
	if rev, ok := pod.Annotations[flotillav1alpha1.AnnotationRevision]; ok {
		slim.Annotations = map[string]string{flotillav1alpha1.AnnotationRevision: rev}
	}
	for _, c := range pod.Spec.Containers {
		slim.Spec.Containers = append(slim.Spec.Containers, corev1.Container{Name: c.Name, Image: c.Image})
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			slim.Status.Conditions = []corev1.PodCondition{{Type: c.Type, Status: c.Status}}
		}
	}
	return slim, nil
}
