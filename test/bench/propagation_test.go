package bench

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
	crcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/devfleet"
	"flotilla.dev/flotilla/internal/platform/scheme"
	"flotilla.dev/flotilla/test/framework"
)

// smallApp is an Application of one Deployment (replicas, image tag version) and the
// ConfigMap it reads (data.version = version).
func smallApp(ns, name, version string, replicas int, typ flotillav1alpha1.ReplicaSchedulingType) *flotillav1alpha1.Application {
	app := &flotillav1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	app.Spec.Placement.ReplicaScheduling.Type = typ
	if typ == flotillav1alpha1.ReplicaSchedulingDivided {
		app.Spec.Placement.ReplicaScheduling.Division = flotillav1alpha1.ReplicaDivisionAvailableCapacity
	}
	app.Spec.Resources = smallResources(name, version, replicas)
	return app
}

func smallResources(name, version string, replicas int) []flotillav1alpha1.Manifest {
	raw := []string{
		fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"%s-config"},"data":{"version":"%s"}}`, name, version),
		fmt.Sprintf(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"%[1]s","labels":{"app":"%[1]s"}},
		  "spec":{"replicas":%[3]d,"selector":{"matchLabels":{"app":"%[1]s"}},"template":{"metadata":{"labels":{"app":"%[1]s"}},
		  "spec":{"containers":[{"name":"app","image":"registry.example.com/%[1]s:%[2]s",
		  "envFrom":[{"configMapRef":{"name":"%[1]s-config"}}],
		  "resources":{"requests":{"cpu":"10m","memory":"16Mi"}}}]}}}}`, name, version, replicas),
	}
	out := make([]flotillav1alpha1.Manifest, len(raw))
	for i, r := range raw {
		out[i] = flotillav1alpha1.Manifest{RawExtension: runtime.RawExtension{Raw: []byte(r)}}
	}
	return out
}

// arrivals records, per version, when each member's watch first delivered the ConfigMap and the
// Deployment of that version, and signals when all members have both.
type arrivals struct {
	mu      sync.Mutex
	members int
	seen    map[string]map[string]time.Time // "cm/v7" -> member -> time
	waiters map[string]chan struct{}
}

func newArrivals(members int) *arrivals {
	return &arrivals{members: members, seen: map[string]map[string]time.Time{}, waiters: map[string]chan struct{}{}}
}

// expect returns a channel closed once key has arrived in every member.
func (a *arrivals) expect(key string) <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	ch := make(chan struct{})
	a.waiters[key] = ch
	if len(a.seen[key]) >= a.members {
		close(ch)
	}
	return ch
}

func (a *arrivals) record(member, key string, at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	m := a.seen[key]
	if m == nil {
		m = map[string]time.Time{}
		a.seen[key] = m
	}
	if _, ok := m[member]; ok {
		return
	}
	m[member] = at
	if len(m) == a.members {
		if ch := a.waiters[key]; ch != nil {
			close(ch)
		}
	}
}

// last is when key reached its last member.
func (a *arrivals) last(key string) time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	var t time.Time
	for _, at := range a.seen[key] {
		if at.After(t) {
			t = at
		}
	}
	return t
}

// watchMember starts ConfigMap and Deployment informers on one member's namespace that record
// the version each object carries as soon as the watch delivers it.
func watchMember(ctx context.Context, tb testing.TB, member, ns string, a *arrivals) {
	tb.Helper()
	f := informers.NewSharedInformerFactoryWithOptions(memberClientset(tb, member), 0, informers.WithNamespace(ns))
	onCM := func(obj any) {
		if cm, ok := obj.(*corev1.ConfigMap); ok && cm.Data["version"] != "" {
			a.record(member, "cm/"+cm.Data["version"], time.Now())
		}
	}
	onDeploy := func(obj any) {
		d, ok := obj.(*appsv1.Deployment)
		if !ok || len(d.Spec.Template.Spec.Containers) == 0 {
			return
		}
		img := d.Spec.Template.Spec.Containers[0].Image
		a.record(member, "deploy/"+img[strings.LastIndexByte(img, ':')+1:], time.Now())
	}
	for inf, fn := range map[cache.SharedIndexInformer]func(any){
		f.Core().V1().ConfigMaps().Informer(): onCM, f.Apps().V1().Deployments().Informer(): onDeploy,
	} {
		if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc: fn, UpdateFunc: func(_, n any) { fn(n) },
		}); err != nil {
			tb.Fatal(err)
		}
	}
	f.Start(ctx.Done())
	for typ, ok := range f.WaitForCacheSync(ctx.Done()) {
		if !ok {
			tb.Fatalf("%s: %v informer did not sync", member, typ)
		}
	}
}

// BenchmarkPropagation measures the time from a change of an Application in the hub (its
// ConfigMap data and its image, in one update) to the changed ConfigMap and Deployment being
// delivered by a watch on every member. Changes are made one after the other.
func BenchmarkPropagation(b *testing.B) {
	members := framework.Fleet(b).Members
	changes := envInt(b, "FLOTILLA_BENCH_CHANGES", 200)
	const warmup = 5
	pause := time.Duration(envInt(b, "FLOTILLA_BENCH_PAUSE_MS", 200)) * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hub := hubClient(b)
	waitMembersReady(b, hub)
	const ns, name = "bench-propagation", "prop"
	if err := hub.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil && !apierrors.IsAlreadyExists(err) {
		b.Fatal(err)
	}
	a, revs := newArrivals(len(members)), newArrivals(1)
	for _, m := range members {
		watchMember(ctx, b, m.Name, ns, a)
	}
	watchRevisions(ctx, b, ns, revs)
	app := smallApp(ns, name, "v0", 1, flotillav1alpha1.ReplicaSchedulingDuplicated)
	v0 := a.expect("deploy/v0")
	if err := hub.Create(ctx, app); err != nil {
		b.Fatal(err)
	}
	defer deleteAndWait(b, hub, ns)
	waitFor(b, v0, 2*time.Minute, "the first version in every member")

	load := load1()
	var both, cms, hubRevs, writes []time.Duration
	b.ResetTimer()
	for i := 1; i <= changes+warmup; i++ {
		v := fmt.Sprintf("v%d", i)
		cmCh, dCh, revCh := a.expect("cm/"+v), a.expect("deploy/"+v), revs.expect("cm/"+v)
		before := app.DeepCopy()
		app.Spec.Resources = smallResources(name, v, 1)
		start := time.Now()
		if err := hub.Patch(ctx, app, client.MergeFrom(before)); err != nil {
			b.Fatal(err)
		}
		written := time.Since(start)
		waitFor(b, cmCh, time.Minute, "ConfigMap "+v+" in every member")
		waitFor(b, dCh, time.Minute, "Deployment "+v+" in every member")
		waitFor(b, revCh, time.Minute, "ApplicationRevision of "+v)
		settle(b, hub, app, pause)
		if i <= warmup {
			continue
		}
		cm, d := a.last("cm/"+v).Sub(start), a.last("deploy/"+v).Sub(start)
		cms, both, hubRevs = append(cms, cm), append(both, max(cm, d)), append(hubRevs, revs.last("cm/"+v).Sub(start))
		writes = append(writes, written)
		if total := max(cm, d); total > time.Second {
			b.Logf("slow change %s: %s in all (hub write %s, revision seen %s, ConfigMaps %s)", v, total.Round(time.Millisecond),
				written.Round(time.Millisecond), hubRevs[len(hubRevs)-1].Round(time.Millisecond), cm.Round(time.Millisecond))
		}
	}
	b.StopTimer()
	load = (load + load1()) / 2
	b.ReportMetric(percentile(both, 0.50), "p50_ms")
	b.ReportMetric(percentile(both, 0.99), "p99_ms")
	b.ReportMetric(percentile(both, 1), "max_ms")
	b.ReportMetric(percentile(cms, 0.50), "cm_p50_ms")
	b.ReportMetric(percentile(cms, 0.99), "cm_p99_ms")
	b.ReportMetric(percentile(hubRevs, 0.50), "rev_p50_ms")
	b.ReportMetric(percentile(hubRevs, 0.99), "rev_p99_ms")
	b.ReportMetric(percentile(writes, 0.99), "hub_write_p99_ms")
	b.ReportMetric(percentile(writes, 1), "hub_write_max_ms")
	b.ReportMetric(float64(len(both)), "changes")
	b.ReportMetric(load, "load1")
}

// watchRevisions records when the hub's watch delivers the ApplicationRevision of each version
// (the controller has picked the change up and snapshotted it).
func watchRevisions(ctx context.Context, tb testing.TB, ns string, a *arrivals) {
	tb.Helper()
	c, err := crcache.New(framework.RESTConfig(tb, devfleet.RoleHub), crcache.Options{Scheme: scheme.Scheme,
		DefaultNamespaces: map[string]crcache.Config{ns: {}}})
	if err != nil {
		tb.Fatal(err)
	}
	inf, err := c.GetInformer(ctx, &flotillav1alpha1.ApplicationRevision{})
	if err != nil {
		tb.Fatal(err)
	}
	version := regexp.MustCompile(`"version":"(v[0-9]+)"`)
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: func(obj any) {
		rev, ok := obj.(*flotillav1alpha1.ApplicationRevision)
		if !ok || len(rev.Spec.Resources) == 0 {
			return
		}
		if m := version.FindSubmatch(rev.Spec.Resources[0].Raw); m != nil {
			a.record("hub", "cm/"+string(m[1]), time.Now())
		}
	}}); err != nil {
		tb.Fatal(err)
	}
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		tb.Fatal("the hub's ApplicationRevision cache did not sync")
	}
}

// settle waits until the controller has written the status of the change (so the next change
// does not queue behind the reconciliation of this one), then pauses.
func settle(tb testing.TB, hub client.Client, app *flotillav1alpha1.Application, pause time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		got := &flotillav1alpha1.Application{}
		if err := hub.Get(context.Background(), client.ObjectKeyFromObject(app), got); err == nil && conditionTrue(got, flotillav1alpha1.ConditionApplied) {
			break
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s: status not written for generation %d after a minute", app.Name, app.Generation)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(pause)
}

func waitFor(tb testing.TB, ch <-chan struct{}, timeout time.Duration, what string) {
	tb.Helper()
	select {
	case <-ch:
	case <-time.After(timeout):
		tb.Fatalf("%s: not there after %s", what, timeout)
	}
}

// deleteAndWait deletes every Application of ns and waits until their finalizers removed them
// from the members, then deletes the namespace and waits until it is gone.
func deleteAndWait(tb testing.TB, hub client.Client, ns string) {
	tb.Helper()
	ctx := context.Background()
	if err := hub.DeleteAllOf(ctx, &flotillav1alpha1.Application{}, client.InNamespace(ns)); err != nil {
		tb.Errorf("deleting the Applications of %s: %v", ns, err)
		return
	}
	framework.Eventually(tb, 10*time.Minute, func() error {
		var list flotillav1alpha1.ApplicationList
		if err := hub.List(ctx, &list, client.InNamespace(ns)); err != nil {
			return err
		}
		if n := len(list.Items); n > 0 {
			return fmt.Errorf("%d Applications of %s are still being removed", n, ns)
		}
		return nil
	})
	if err := hub.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); client.IgnoreNotFound(err) != nil {
		tb.Errorf("deleting namespace %s: %v", ns, err)
	}
	framework.Eventually(tb, 3*time.Minute, func() error {
		switch err := hub.Get(ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{}); {
		case err == nil:
			return fmt.Errorf("namespace %s is still being removed", ns)
		case !apierrors.IsNotFound(err):
			return err
		}
		return nil
	})
}
