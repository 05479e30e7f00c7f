package tuning

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/tuning/profile"
)

// MetricsPathAnnotation on a node names where its kubelet serves resource metrics, as
// metrics-server reads it; nodes without it serve them at DefaultMetricsPath.
const (
	MetricsPathAnnotation = "metrics.k8s.io/resource-metrics-path"
	DefaultMetricsPath    = "/metrics/resource"
)

// throttledAtPercent: a CPU sample at or above this share of the container's CPU limit counts
// as throttled. A kubelet's /metrics/resource has no CFS throttling counters, so running at the
// limit stands for being throttled.
const throttledAtPercent = 95

// burstCooldown keeps one container from asking for a second burst while the first resize is
// on its way.
const burstCooldown = 10 * time.Second

// target is what the sampler needs of one policy.
type target struct {
	policy    string // namespace/name
	namespace string
	apps      []appTarget
	burst     *burstSettings
	revision  int64
}

type appTarget struct {
	name     string
	selector labels.Selector
	clusters []string
}

// burstRequest is a container the sampler saw near a limit.
type burstRequest struct {
	cluster, pod string
	key          appContainer
	reading      profile.Reading
}

// throttle counts a policy's CPU samples of pods at its current revision, and those at the limit.
type throttle struct {
	revision           int64
	samples, throttled int64
}

// tracker is the state the sampler and the reconciler share: the profiles, what to sample,
// the throttling counts and the burst requests.
type tracker struct {
	store   *profile.Store
	trigger chan event.GenericEvent

	mu        sync.Mutex
	targets   map[string]*target
	throttles map[string]*throttle
	bursts    map[string][]burstRequest
	cooldown  map[string]time.Time
	seen      map[string]map[string]bool // policy → podKeys sampled last tick
	restored  map[string]bool
	saved     map[string]time.Time
}

func newTracker(store *profile.Store) *tracker {
	return &tracker{store: store, trigger: make(chan event.GenericEvent, 64),
		targets: map[string]*target{}, throttles: map[string]*throttle{}, bursts: map[string][]burstRequest{},
		cooldown: map[string]time.Time{}, seen: map[string]map[string]bool{}, restored: map[string]bool{}, saved: map[string]time.Time{}}
}

func (t *tracker) setTarget(tg *target) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.targets[tg.policy] = tg
	if th := t.throttles[tg.policy]; th == nil || th.revision != tg.revision {
		t.throttles[tg.policy] = &throttle{revision: tg.revision}
	}
}

func (t *tracker) remove(policy string) {
	t.mu.Lock()
	delete(t.targets, policy)
	delete(t.throttles, policy)
	delete(t.bursts, policy)
	delete(t.seen, policy)
	delete(t.restored, policy)
	delete(t.saved, policy)
	t.mu.Unlock()
	t.store.ForgetPolicy(policy)
}

// throttled returns the policy's throttling counts for revision.
func (t *tracker) throttled(policy string, revision int64) (samples, throttled int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if th := t.throttles[policy]; th != nil && th.revision == revision {
		return th.samples, th.throttled
	}
	return 0, 0
}

func (t *tracker) takeBursts(policy string) []burstRequest {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := t.bursts[policy]
	delete(t.bursts, policy)
	return out
}

func (t *tracker) snapshot() []target {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]target, 0, len(t.targets))
	for _, tg := range t.targets {
		out = append(out, *tg)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].policy < out[j].policy })
	return out
}

// Sampler reads every selected pod's usage from its node's kubelet resource metrics, through
// the member API server's node proxy, every interval: one request per node hosting selected
// pods. It feeds the profiles, counts throttled samples, and asks the reconciler for a burst
// when a container nears a limit.
type Sampler struct {
	members  Members
	tracker  *tracker
	interval time.Duration
	now      func() time.Time
	log      logr.Logger
	metrics  *metrics

	paths  sync.Map // cluster/node → metrics path
	pruned time.Time
}

// Start samples until ctx ends (a manager Runnable).
func (s *Sampler) Start(ctx context.Context) error {
	s.log = logr.FromContextOrDiscard(ctx).WithName("tuning-sampler")
	tick := time.NewTicker(s.interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			s.sampleOnce(ctx)
		}
	}
}

// NeedLeaderElection is true: only the leader samples (its profiles feed its decisions).
func (s *Sampler) NeedLeaderElection() bool { return true }

// sampledPod is a selected pod and where its samples go.
type sampledPod struct {
	policy   *target
	app      string
	cluster  string
	pod      *corev1.Pod
	podKey   string
	revision int64
}

func (s *Sampler) sampleOnce(ctx context.Context) {
	targets := s.tracker.snapshot()
	if len(targets) == 0 {
		s.metrics.setProfiles(0)
		return
	}
	byCluster := map[string][]*target{}
	for i := range targets {
		tg := &targets[i]
		for _, a := range tg.apps {
			for _, c := range a.clusters {
				if l := byCluster[c]; len(l) == 0 || l[len(l)-1] != tg {
					byCluster[c] = append(byCluster[c], tg)
				}
			}
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]map[string]bool{}
	for cluster, tgs := range byCluster {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys := s.sampleCluster(ctx, cluster, tgs)
			mu.Lock()
			for policy, ks := range keys {
				if seen[policy] == nil {
					seen[policy] = map[string]bool{}
				}
				for k := range ks {
					seen[policy][k] = true
				}
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	s.forgetGone(targets, seen)
	profiles := 0
	for _, tg := range targets {
		profiles += len(s.tracker.store.Containers(tg.policy))
	}
	s.metrics.setProfiles(profiles)
	if now := s.now(); now.Sub(s.pruned) >= time.Minute {
		s.tracker.store.Prune(now)
		s.pruned = now
	}
}

// forgetGone drops the CPU counters of pods no longer selected.
func (s *Sampler) forgetGone(targets []target, seen map[string]map[string]bool) {
	s.tracker.mu.Lock()
	var gone []string
	for _, tg := range targets {
		for k := range s.tracker.seen[tg.policy] {
			if !seen[tg.policy][k] {
				gone = append(gone, k)
			}
		}
		s.tracker.seen[tg.policy] = seen[tg.policy]
	}
	s.tracker.mu.Unlock()
	for _, k := range gone {
		s.tracker.store.ForgetPod(k)
	}
}

// sampleCluster lists the selected pods of one cluster, scrapes their nodes and observes the
// samples. It returns the pod keys it saw per policy.
func (s *Sampler) sampleCluster(ctx context.Context, cluster string, tgs []*target) map[string]map[string]bool {
	read, failures := 0, 0
	defer func() { s.metrics.observeSampling(cluster, read, failures) }()
	reader, err := s.members.APIReader(ctx, cluster)
	if err != nil {
		failures++
		return nil
	}
	pods := map[types.NamespacedName]*sampledPod{}
	nodes := map[string]bool{}
	for _, tg := range tgs {
		for _, a := range tg.apps {
			if !slices.Contains(a.clusters, cluster) {
				continue
			}
			var list corev1.PodList
			if err := reader.List(ctx, &list, client.InNamespace(tg.namespace), client.MatchingLabelsSelector{Selector: a.selector}); err != nil {
				s.log.V(1).Info("listing pods", "cluster", cluster, "application", a.name, "error", err.Error())
				failures++
				continue
			}
			for i := range list.Items {
				p := &list.Items[i]
				if p.Spec.NodeName == "" || p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning {
					continue
				}
				pods[types.NamespacedName{Namespace: p.Namespace, Name: p.Name}] = &sampledPod{policy: tg, app: a.name, cluster: cluster,
					pod: p, podKey: cluster + "/" + p.Namespace + "/" + p.Name + "/" + string(p.UID), revision: podRevision(p)}
				nodes[p.Spec.NodeName] = true
			}
		}
	}
	seen := map[string]map[string]bool{}
	for node := range nodes {
		raw, err := s.members.GetPath(ctx, cluster, "/api/v1/nodes/"+node+"/proxy"+s.metricsPath(ctx, reader, cluster, node))
		if err != nil {
			s.log.V(1).Info("reading node metrics", "cluster", cluster, "node", node, "error", err.Error())
			failures++
			continue
		}
		samples, err := profile.ParseResourceMetrics(bytes.NewReader(raw), s.now())
		if err != nil {
			s.log.V(1).Info("parsing node metrics", "cluster", cluster, "node", node, "error", err.Error())
			failures++
			continue
		}
		for _, sm := range samples {
			sp := pods[types.NamespacedName{Namespace: sm.Namespace, Name: sm.Pod}]
			if sp == nil || sp.pod.Spec.NodeName != node {
				continue
			}
			if seen[sp.policy.policy] == nil {
				seen[sp.policy.policy] = map[string]bool{}
			}
			seen[sp.policy.policy][sp.podKey] = true
			s.observe(sp, sm)
			read++
		}
	}
	return seen
}

// observe adds one sample to its profile and checks it against the container's limits.
func (s *Sampler) observe(sp *sampledPod, sm profile.Sample) {
	key := appContainer{app: sp.app, container: sm.Container}
	reading := s.tracker.store.Observe(profile.Key{Policy: sp.policy.policy, Container: key.String()}, sp.podKey, sm)
	var limits corev1.ResourceList
	for _, c := range sp.pod.Spec.Containers {
		if c.Name == sm.Container {
			limits = c.Resources.Limits
		}
	}
	cpuLimit, memLimit := limits.Cpu().AsApproximateFloat64(), limits.Memory().AsApproximateFloat64()
	t := s.tracker
	t.mu.Lock()
	defer t.mu.Unlock()
	if th := t.throttles[sp.policy.policy]; th != nil && reading.HasCPU && cpuLimit > 0 && sp.revision == th.revision && th.revision > 0 {
		th.samples++
		if percentOf(reading.CPUCores, cpuLimit) >= throttledAtPercent {
			th.throttled++
		}
	}
	b := sp.policy.burst
	if b == nil {
		return
	}
	near := (reading.HasMemory && memLimit > 0 && percentOf(reading.MemoryBytes, memLimit) >= b.memory) ||
		(reading.HasCPU && cpuLimit > 0 && percentOf(reading.CPUCores, cpuLimit) >= b.cpu)
	cool := sp.podKey + "/" + sm.Container
	if !near || s.now().Before(t.cooldown[cool]) {
		return
	}
	t.cooldown[cool] = s.now().Add(burstCooldown)
	t.bursts[sp.policy.policy] = append(t.bursts[sp.policy.policy], burstRequest{cluster: sp.cluster, pod: sp.pod.Name, key: key, reading: reading})
	ns, name, _ := strings.Cut(sp.policy.policy, "/")
	rp := &flotillav1alpha1.ResourcePolicy{}
	rp.Namespace, rp.Name = ns, name
	select {
	case t.trigger <- event.GenericEvent{Object: rp}:
	default: // the reconciler is already behind; it takes every pending request at once
	}
}

// metricsPath is where a node's kubelet serves resource metrics.
func (s *Sampler) metricsPath(ctx context.Context, reader client.Reader, cluster, node string) string {
	if p, ok := s.paths.Load(cluster + "/" + node); ok {
		return p.(string)
	}
	n := &corev1.Node{}
	if err := reader.Get(ctx, client.ObjectKey{Name: node}, n); err != nil {
		return DefaultMetricsPath
	}
	p := DefaultMetricsPath
	if v := n.Annotations[MetricsPathAnnotation]; strings.HasPrefix(v, "/") {
		p = v
	}
	s.paths.Store(cluster+"/"+node, p)
	return p
}

// podRevision is the tuning revision a pod was last resized to (0: never).
func podRevision(p *corev1.Pod) int64 {
	var n int64
	if _, err := fmt.Sscan(p.Annotations[AnnotationRevision], &n); err != nil {
		return 0
	}
	return n
}
