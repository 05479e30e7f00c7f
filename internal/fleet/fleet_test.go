package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/fleet"
	"flotilla.dev/flotilla/internal/fleet/join"
	"flotilla.dev/flotilla/test/netfault"
	"flotilla.dev/flotilla/test/poll"
)

func condition(mc *flotillav1alpha1.MemberCluster, typ string) metav1.ConditionStatus {
	if c := meta.FindStatusCondition(mc.Status.Conditions, typ); c != nil {
		return c.Status
	}
	return "absent"
}

// wantConditions returns a check that MemberCluster name has Reachable and Ready as given.
func wantConditions(ctx context.Context, hub client.Client, name string, reachable, ready metav1.ConditionStatus) func() error {
	return func() error {
		var mc flotillav1alpha1.MemberCluster
		if err := hub.Get(ctx, client.ObjectKey{Name: name}, &mc); err != nil {
			return err
		}
		if r, rd := condition(&mc, flotillav1alpha1.ConditionReachable), condition(&mc, flotillav1alpha1.ConditionReady); r != reachable || rd != ready {
			return fmt.Errorf("Reachable=%s Ready=%s, want %s %s; conditions %+v", r, rd, reachable, ready, mc.Status.Conditions)
		}
		return nil
	}
}

func TestJoinedMemberBecomesReadyWithCapacityThenLostAfterThresholdAndBack(t *testing.T) {
	ctx := context.Background()
	_, hubCfg := startEnv(t, true)
	hub := hubClient(t, hubCfg)
	m := startMember(t)
	m.addNode(ctx, t, "node-a", "4", true)
	m.addNode(ctx, t, "node-b", "2", false)
	m.addPod(ctx, t, "web-1", "node-a", "1500m")
	proxy := netfault.NewLink(t, strings.TrimSuffix(strings.TrimPrefix(m.cfg.Host, "https://"), "/"))

	var logs syncBuffer
	opts := fastOptions()
	metrics := prometheus.NewRegistry()
	opts.Registerer = metrics
	reg := startFleet(t, hubCfg, opts, &logs)
	mc, err := join.Join(ctx, hub, join.Options{
		Name: "member-1", Kubeconfig: m.kubeconfig(t, "https://"+proxy.Addr()), Region: "eu", Zone: "eu-a",
	})
	if err != nil {
		t.Fatalf("join: %v", err)
	}
	if mc.Labels[flotillav1alpha1.LabelClusterID] == "" {
		t.Fatal("joined MemberCluster has no cluster-id label")
	}

	poll.Until(t, 30*time.Second, wantConditions(ctx, hub, "member-1", metav1.ConditionTrue, metav1.ConditionTrue))
	poll.Until(t, 10*time.Second, func() error {
		var got flotillav1alpha1.MemberCluster
		if err := hub.Get(ctx, client.ObjectKey{Name: "member-1"}, &got); err != nil {
			return err
		}
		st := got.Status
		switch {
		case st.Nodes != flotillav1alpha1.NodeCount{Total: 2, Ready: 1}:
			return fmt.Errorf("nodes %+v, want 1 of 2 ready", st.Nodes)
		case st.Resources.Allocatable.Cpu().MilliValue() != 4000:
			return fmt.Errorf("allocatable cpu %s, want 4 (the ready node only)", st.Resources.Allocatable.Cpu())
		case st.Resources.Requested.Cpu().MilliValue() != 1500 || st.Resources.Available.Cpu().MilliValue() != 2500:
			return fmt.Errorf("requested %s available %s, want 1500m and 2500m", st.Resources.Requested.Cpu(), st.Resources.Available.Cpu())
		case st.Resources.Available.Pods().Value() != 109:
			return fmt.Errorf("available pods %s, want 109", st.Resources.Available.Pods())
		case st.KubernetesVersion == "" || st.LastProbeTime == nil || st.ObservedGeneration != got.Generation:
			return fmt.Errorf("version %q, last probe %v, observed generation %d of %d", st.KubernetesVersion, st.LastProbeTime, st.ObservedGeneration, got.Generation)
		case got.Labels[flotillav1alpha1.LabelRegion] != "eu" || got.Labels[flotillav1alpha1.LabelZone] != "eu-a":
			return fmt.Errorf("topology labels %v", got.Labels)
		}
		return nil
	})

	// The registry serves capacity inputs and member clients from the cache.
	nodes, err := reg.Nodes("member-1")
	if err != nil || len(nodes) != 2 {
		t.Fatalf("Nodes: %d nodes, %v", len(nodes), err)
	}
	if h, ok := reg.Health("member-1"); !ok || !h.Reachable || !h.Ready || !h.LostSince.IsZero() {
		t.Fatalf("Health: %+v %v", h, ok)
	}
	seen := checkWatchDeliversManagedDeployments(ctx, t, reg, m)
	checkMetrics(t, metrics, map[string]float64{
		`flotilla_cluster_ready{cluster="member-1"}`:                         1,
		`flotilla_cluster_allocatable{cluster="member-1",resource="cpu"}`:    4,
		`flotilla_cluster_available{cluster="member-1",resource="cpu"}`:      2.5,
		`flotilla_cluster_available{cluster="member-1",resource="pods"}`:     109,
		`flotilla_cluster_allocatable{cluster="member-1",resource="memory"}`: 8 << 30,
	})

	// The member goes away: Reachable and Ready turn False only after the failure threshold.
	proxy.Cut()
	poll.Until(t, 30*time.Second, wantConditions(ctx, hub, "member-1", metav1.ConditionFalse, metav1.ConditionFalse))
	if h, _ := reg.Health("member-1"); h.Reachable || h.LostSince.IsZero() {
		t.Fatalf("Health after loss: %+v", h)
	}
	if _, err := reg.Client(ctx, "member-1"); !errors.Is(err, fleet.ErrClusterNotConnected) {
		t.Fatalf("Client of a lost member: %v, want ErrClusterNotConnected", err)
	}

	// It comes back: Ready again after the success threshold, watches re-established.
	proxy.Restore()
	poll.Until(t, 30*time.Second, wantConditions(ctx, hub, "member-1", metav1.ConditionTrue, metav1.ConditionTrue))
	poll.Until(t, 10*time.Second, func() error {
		_, err := reg.Nodes("member-1")
		return err
	})
	// The Watch registered before the loss is re-established: new objects are delivered.
	if err := m.admin.Create(ctx, deployment("after-reconnect", true)); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, 10*time.Second, func() error {
		if !seen("member-1/after-reconnect") {
			return errors.New("no event for a Deployment created after the reconnection")
		}
		return nil
	})
}

// checkMetrics gathers reg and compares the named series.
func checkMetrics(t *testing.T, reg *prometheus.Registry, want map[string]float64) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			name := f.GetName() + "{" + strings.Join(labels, ",") + "}"
			got[name] = m.GetGauge().GetValue()
			if h := m.GetHistogram(); h != nil {
				got[f.GetName()+"_count{"+strings.Join(labels, ",")+"}"] = float64(h.GetSampleCount())
			}
		}
	}
	for name, v := range want {
		if got[name] != v {
			t.Errorf("%s = %v, want %v", name, got[name], v)
		}
	}
	if got[`flotilla_cluster_probe_duration_seconds_count{cluster="member-1"}`] == 0 {
		t.Error("no probe latency observed")
	}
}

// checkWatchDeliversManagedDeployments watches Deployments labelled managed-by=flotilla and
// sees a labelled one arrive but not an unlabelled one, and reads it through the member client.
// It returns a function that tells whether an event for cluster/name was delivered.
func checkWatchDeliversManagedDeployments(ctx context.Context, t *testing.T, reg *fleet.Registry, m *member) func(string) bool {
	t.Helper()
	var mu sync.Mutex
	seen := map[string]bool{}
	sel := labels.SelectorFromSet(labels.Set{flotillav1alpha1.LabelManagedBy: flotillav1alpha1.ManagedByFlotilla})
	record := func(cluster string, obj client.Object) {
		mu.Lock()
		defer mu.Unlock()
		seen[cluster+"/"+obj.GetName()] = true
	}
	for range 2 { // idempotent
		if err := reg.Watch(ctx, "member-1", &appsv1.Deployment{}, sel, record); err != nil {
			t.Fatalf("Watch: %v", err)
		}
	}
	c, err := reg.Client(ctx, "member-1")
	if err != nil {
		t.Fatalf("Client: %v", err)
	}
	for _, d := range []struct {
		name    string
		managed bool
	}{{"managed", true}, {"unmanaged", false}} {
		dep := deployment(d.name, d.managed)
		if err := c.Create(ctx, dep); err != nil {
			t.Fatalf("creating through the member client: %v", err)
		}
	}
	poll.Until(t, 10*time.Second, func() error {
		mu.Lock()
		defer mu.Unlock()
		if !seen["member-1/managed"] {
			return errors.New("no event for the managed Deployment")
		}
		return nil
	})
	mu.Lock()
	if seen["member-1/unmanaged"] {
		t.Error("an unlabelled Deployment was delivered")
	}
	mu.Unlock()
	var got appsv1.Deployment
	if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "unmanaged"}, &got); err != nil {
		t.Fatalf("a Get outside the watch selector must fall back to the API server: %v", err)
	}
	return func(key string) bool {
		mu.Lock()
		defer mu.Unlock()
		return seen[key]
	}
}

func deployment(name string, managed bool) *appsv1.Deployment {
	l := map[string]string{"app": name}
	if managed {
		l[flotillav1alpha1.LabelManagedBy] = flotillav1alpha1.ManagedByFlotilla
	}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, Labels: l},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "example.com/app:1"}}},
			},
		},
	}
}
