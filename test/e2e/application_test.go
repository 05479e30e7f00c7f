package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli"
	"flotilla.dev/flotilla/internal/devfleet"
	"flotilla.dev/flotilla/test/framework"
)

// app builds an Application with one Deployment (pods requesting cpu each) and a ConfigMap.
func app(ns, name string, replicas int32, cpu, image string, placement flotillav1alpha1.Placement) *flotillav1alpha1.Application {
	labels := map[string]string{"app": name}
	dep := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "app", Image: image,
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
						corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse("64Mi"),
					}},
				}}},
			},
		},
	}
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: name + "-config"},
		Data:       map[string]string{"greeting": "hello"},
	}
	return &flotillav1alpha1.Application{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: flotillav1alpha1.ApplicationSpec{
			Resources: []flotillav1alpha1.Manifest{manifest(cm), manifest(dep)},
			Placement: placement,
		},
	}
}

func manifest(obj runtime.Object) flotillav1alpha1.Manifest {
	raw, err := json.Marshal(obj)
	if err != nil {
		panic(err)
	}
	return flotillav1alpha1.Manifest{RawExtension: runtime.RawExtension{Raw: raw}}
}

func divided(division flotillav1alpha1.ReplicaDivision) flotillav1alpha1.Placement {
	return flotillav1alpha1.Placement{ReplicaScheduling: flotillav1alpha1.ReplicaScheduling{
		Type: flotillav1alpha1.ReplicaSchedulingDivided, Division: division,
	}}
}

// memberDeployments returns the app's Deployment in every member that has one.
func memberDeployments(t *testing.T, ns, name string) map[string]*appsv1.Deployment {
	t.Helper()
	out := map[string]*appsv1.Deployment{}
	for m, cl := range framework.MemberClients(t) {
		d := &appsv1.Deployment{}
		err := cl.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, d)
		if err == nil {
			out[m] = d
		} else if !apierrors.IsNotFound(err) {
			t.Logf("%s: %v", m, err)
		}
	}
	return out
}

// waitPlacement waits until the members run exactly want (cluster -> ready replicas) and the
// hub reports the Application Available with the same total.
func waitPlacement(t *testing.T, ns, name string, want map[string]int32) {
	t.Helper()
	framework.Eventually(t, 2*time.Minute, func() error {
		got := map[string]int32{}
		for m, d := range memberDeployments(t, ns, name) {
			if ptr.Deref(d.Spec.Replicas, 0) != d.Status.ReadyReplicas {
				return fmt.Errorf("%s: %d/%d ready", m, d.Status.ReadyReplicas, ptr.Deref(d.Spec.Replicas, 0))
			}
			got[m] = d.Status.ReadyReplicas
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("members run %v, want %v", got, want)
		}
		a := &flotillav1alpha1.Application{}
		if err := framework.HubClient(t).Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, a); err != nil {
			return err
		}
		var total int32
		for _, n := range want {
			total += n
		}
		if !available(a) || a.Status.ReadyReplicas != total {
			return fmt.Errorf("hub status: available=%v ready=%d, want %d", available(a), a.Status.ReadyReplicas, total)
		}
		return nil
	})
}

func available(a *flotillav1alpha1.Application) bool {
	for _, c := range a.Status.Conditions {
		if c.Type == flotillav1alpha1.ConditionAvailable {
			return c.Status == metav1.ConditionTrue && a.Status.ObservedGeneration == a.Generation
		}
	}
	return false
}

func create(t *testing.T, a *flotillav1alpha1.Application) {
	t.Helper()
	if err := framework.HubClient(t).Create(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = framework.HubClient(t).Delete(context.Background(), a) })
}

// update re-reads the Application, applies change and writes it back, retrying on conflicts.
func update(t *testing.T, ns, name string, change func(*flotillav1alpha1.Application)) {
	t.Helper()
	framework.Eventually(t, 30*time.Second, func() error {
		a := &flotillav1alpha1.Application{}
		if err := framework.HubClient(t).Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, a); err != nil {
			return err
		}
		change(a)
		return framework.HubClient(t).Update(context.Background(), a)
	})
}

func TestDuplicatedAndDividedPlacementsLandWithTheRightCounts(t *testing.T) {
	ns := namespace(t, framework.HubClient(t))

	dup := app(ns, "dup", 2, "100m", "registry.example.com/dup:v1", flotillav1alpha1.Placement{
		ClusterNames:      []string{"member-1", "member-2"},
		ReplicaScheduling: flotillav1alpha1.ReplicaScheduling{Type: flotillav1alpha1.ReplicaSchedulingDuplicated},
	})
	create(t, dup)

	weighted := app(ns, "weighted", 6, "100m", "registry.example.com/weighted:v1", divided(flotillav1alpha1.ReplicaDivisionStaticWeights))
	weighted.Spec.Placement.ClusterNames = []string{"member-1", "member-3"}
	weighted.Spec.Placement.ReplicaScheduling.Weights = []flotillav1alpha1.ClusterWeight{
		{ClusterNames: []string{"member-1"}, Weight: 1}, {ClusterNames: []string{"member-3"}, Weight: 2},
	}
	create(t, weighted)

	waitPlacement(t, ns, "dup", map[string]int32{"member-1": 2, "member-2": 2})
	waitPlacement(t, ns, "weighted", map[string]int32{"member-1": 2, "member-3": 4})

	// Scaling the workload re-divides by the same weights.
	update(t, ns, "weighted", func(a *flotillav1alpha1.Application) {
		setDeployment(t, a, func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.To[int32](9) })
	})
	waitPlacement(t, ns, "weighted", map[string]int32{"member-1": 3, "member-3": 6})
}

// setDeployment edits the Deployment inside an Application's resources.
func setDeployment(t *testing.T, a *flotillav1alpha1.Application, change func(*appsv1.Deployment)) {
	t.Helper()
	for i, m := range a.Spec.Resources {
		if !strings.Contains(string(m.Raw), `"kind":"Deployment"`) {
			continue
		}
		d := &appsv1.Deployment{}
		if err := json.Unmarshal(m.Raw, d); err != nil {
			t.Fatal(err)
		}
		change(d)
		a.Spec.Resources[i] = manifest(d)
		return
	}
	t.Fatal("no Deployment in the Application")
}

func setConfigMap(t *testing.T, a *flotillav1alpha1.Application, data map[string]string) {
	t.Helper()
	for i, m := range a.Spec.Resources {
		if !strings.Contains(string(m.Raw), `"kind":"ConfigMap"`) {
			continue
		}
		cm := &corev1.ConfigMap{}
		if err := json.Unmarshal(m.Raw, cm); err != nil {
			t.Fatal(err)
		}
		cm.Data = data
		a.Spec.Resources[i] = manifest(cm)
		return
	}
	t.Fatal("no ConfigMap in the Application")
}

func TestAvailableCapacityFollowsFreeCapacity(t *testing.T) {
	ns := namespace(t, framework.HubClient(t))
	shares := func(name string) map[string]int32 {
		out := map[string]int32{}
		for m, d := range memberDeployments(t, ns, name) {
			out[m] = ptr.Deref(d.Spec.Replicas, 0)
		}
		return out
	}
	before := app(ns, "before", 12, "1", "registry.example.com/cap:v1", divided(flotillav1alpha1.ReplicaDivisionAvailableCapacity))
	create(t, before)
	framework.Eventually(t, time.Minute, func() error {
		if s := shares("before"); s["member-3"] <= s["member-1"] || s["member-1"] <= s["member-2"] {
			return fmt.Errorf("shares %v do not follow free capacity (member-3 > member-1 > member-2)", s)
		}
		return nil
	})
	first := shares("before")

	// Take most of member-3's CPU with pods created there directly, outside Flotilla.
	member3 := framework.MemberClient(t, "member-3")
	filler := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "filler-" + ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](4),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"filler": ns}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"filler": ns}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "f", Image: "filler",
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("13")}}}}},
			},
		},
	}
	if err := member3.Create(context.Background(), filler); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = member3.Delete(context.Background(), filler) })
	framework.Eventually(t, time.Minute, func() error {
		mc, err := memberCluster(t, "member-3")
		if err != nil {
			return err
		}
		if avail := mc.Status.Resources.Available.Cpu(); avail.Cmp(resource.MustParse("16")) > 0 {
			return fmt.Errorf("member-3 still shows %s CPU available", avail)
		}
		return nil
	})

	after := app(ns, "after", 12, "1", "registry.example.com/cap:v1", divided(flotillav1alpha1.ReplicaDivisionAvailableCapacity))
	create(t, after)
	waitTotal(t, ns, "after", 12)
	second := shares("after")
	if second["member-3"] >= first["member-3"] || second["member-1"] <= first["member-1"] {
		t.Errorf("after filling member-3 the division did not move away from it: before %v, after %v", first, second)
	}
}

// waitTotal waits until the Application is Available with total ready replicas.
func waitTotal(t *testing.T, ns, name string, total int32) {
	t.Helper()
	framework.Eventually(t, 2*time.Minute, func() error {
		a := &flotillav1alpha1.Application{}
		if err := framework.HubClient(t).Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, a); err != nil {
			return err
		}
		if !available(a) || a.Status.ReadyReplicas != total {
			return fmt.Errorf("available=%v ready=%d/%d", available(a), a.Status.ReadyReplicas, total)
		}
		return nil
	})
}

func TestAConfigMapChangeReachesEveryCluster(t *testing.T) {
	ns := namespace(t, framework.HubClient(t))
	a := app(ns, "cfg", 1, "10m", "registry.example.com/cfg:v1", flotillav1alpha1.Placement{})
	create(t, a)
	waitTotal(t, ns, "cfg", 3)
	update(t, ns, "cfg", func(a *flotillav1alpha1.Application) { setConfigMap(t, a, map[string]string{"greeting": "bonjour"}) })
	for m, cl := range framework.MemberClients(t) {
		framework.Eventually(t, time.Minute, func() error {
			cm := &corev1.ConfigMap{}
			if err := cl.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "cfg-config"}, cm); err != nil {
				return err
			}
			if cm.Data["greeting"] != "bonjour" {
				return fmt.Errorf("%s still has greeting=%q", m, cm.Data["greeting"])
			}
			return nil
		})
	}
}

func TestUndoRestoresARevisionEverywhere(t *testing.T) {
	ns := namespace(t, framework.HubClient(t))
	create(t, app(ns, "undo", 1, "10m", "registry.example.com/undo:v1", flotillav1alpha1.Placement{}))
	waitImage(t, ns, "undo", "registry.example.com/undo:v1")
	update(t, ns, "undo", func(a *flotillav1alpha1.Application) {
		setDeployment(t, a, func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "registry.example.com/undo:v2" })
	})
	waitImage(t, ns, "undo", "registry.example.com/undo:v2")

	f := framework.Fleet(t)
	var out, errOut bytes.Buffer
	if code := cli.Execute(context.Background(), []string{"rollout", "undo", "undo", "--to-revision", "1", "-n", ns, "--kubeconfig", f.Hub.KubeconfigPath}, &out, &errOut); code != 0 {
		t.Fatalf("rollout undo exited %d: %s", code, errOut.String())
	}
	waitImage(t, ns, "undo", "registry.example.com/undo:v1")

	out.Reset()
	if code := cli.Execute(context.Background(), []string{"rollout", "history", "undo", "-n", ns, "--kubeconfig", f.Hub.KubeconfigPath}, &out, &errOut); code != 0 {
		t.Fatalf("rollout history exited %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "3") {
		t.Errorf("history after undo should show revision 3 (the restored content renumbered):\n%s", out.String())
	}
}

// waitImage waits until every member runs the app's Deployment with image, all replicas ready.
func waitImage(t *testing.T, ns, name, image string) {
	t.Helper()
	framework.Eventually(t, 2*time.Minute, func() error {
		deps := memberDeployments(t, ns, name)
		if len(deps) != len(framework.Fleet(t).Members) {
			return fmt.Errorf("deployment in %d members", len(deps))
		}
		for m, d := range deps {
			if got := d.Spec.Template.Spec.Containers[0].Image; got != image {
				return fmt.Errorf("%s runs %s, want %s", m, got, image)
			}
			if d.Status.UpdatedReplicas != ptr.Deref(d.Spec.Replicas, 0) || d.Status.ReadyReplicas != ptr.Deref(d.Spec.Replicas, 0) {
				return fmt.Errorf("%s rollout not done: %d updated, %d ready", m, d.Status.UpdatedReplicas, d.Status.ReadyReplicas)
			}
		}
		return nil
	})
}

// replicaWatcher polls the app's Deployments in the members and records the highest
// spec.replicas seen per member and every UID seen per member.
type replicaWatcher struct {
	mu   sync.Mutex
	max  map[string]int32
	uids map[string]map[types.UID]bool
	stop func()
	done chan struct{}
}

func watchReplicas(t *testing.T, ns, name string) *replicaWatcher {
	w := &replicaWatcher{max: map[string]int32{}, uids: map[string]map[types.UID]bool{}, done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	w.stop = func() { cancel(); <-w.done }
	clients := framework.MemberClients(t)
	go func() {
		defer close(w.done)
		for ctx.Err() == nil {
			for m, cl := range clients {
				d := &appsv1.Deployment{}
				cctx, c := context.WithTimeout(ctx, time.Second)
				err := cl.Get(cctx, types.NamespacedName{Namespace: ns, Name: name}, d)
				c()
				if err != nil {
					continue
				}
				w.mu.Lock()
				w.max[m] = max(w.max[m], ptr.Deref(d.Spec.Replicas, 0))
				if w.uids[m] == nil {
					w.uids[m] = map[types.UID]bool{}
				}
				w.uids[m][d.UID] = true
				w.mu.Unlock()
			}
			time.Sleep(200 * time.Millisecond)
		}
	}()
	return w
}

func (w *replicaWatcher) snapshot() (map[string]int32, map[string]int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	uids := map[string]int{}
	for m, s := range w.uids {
		uids[m] = len(s)
	}
	return copyMap(w.max), uids
}

func copyMap(m map[string]int32) map[string]int32 {
	out := map[string]int32{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestABlipShorterThanTheToleranceMovesNothing(t *testing.T) {
	ns := namespace(t, framework.HubClient(t))
	a := app(ns, "blip", 6, "100m", "registry.example.com/blip:v1", divided(flotillav1alpha1.ReplicaDivisionStaticWeights))
	// 60 s of tolerance for a 10 s outage: restarting an apiserver on a loaded 2-core machine
	// can make the hub see the member lost for several times longer than the outage itself.
	a.Spec.Failover = &flotillav1alpha1.FailoverPolicy{TolerationSeconds: 60, MaxEvictionsPerMinute: 1, FailBack: flotillav1alpha1.FailBackNever}
	create(t, a)
	waitPlacement(t, ns, "blip", map[string]int32{"member-1": 2, "member-2": 2, "member-3": 2})

	w := watchReplicas(t, ns, "blip")
	f := framework.Fleet(t)
	if err := f.StopComponent(context.Background(), "member-2", devfleet.ComponentAPIServer); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Second)
	if err := f.StartComponent(context.Background(), "member-2", devfleet.ComponentAPIServer); err != nil {
		t.Fatal(err)
	}
	waitMemberReady(t, "member-2")
	defer waitMemberRunsNewPods(t, "member-2")
	waitPlacement(t, ns, "blip", map[string]int32{"member-1": 2, "member-2": 2, "member-3": 2})
	w.stop()
	maxReplicas, uids := w.snapshot()
	if fmt.Sprint(maxReplicas) != fmt.Sprint(map[string]int32{"member-1": 2, "member-2": 2, "member-3": 2}) {
		t.Errorf("a 10 s blip moved replicas: highest spec.replicas per member %v", maxReplicas)
	}
	if uids["member-2"] != 1 {
		t.Errorf("member-2's Deployment was recreated during a blip (%d UIDs)", uids["member-2"])
	}
	got := &flotillav1alpha1.Application{}
	if err := framework.HubClient(t).Get(context.Background(), client.ObjectKeyFromObject(a), got); err != nil {
		t.Fatal(err)
	}
	if len(got.Status.Evictions) != 0 {
		t.Errorf("a blip started evictions: %v", got.Status.Evictions)
	}
}

func waitMemberReady(t *testing.T, name string) {
	t.Helper()
	framework.Eventually(t, time.Minute, func() error {
		mc, err := memberCluster(t, name)
		if err != nil {
			return err
		}
		if readyStatus(mc) != metav1.ConditionTrue {
			return fmt.Errorf("%s not Ready", name)
		}
		return nil
	})
}

func TestALostMemberHasItsReplicasReadyElsewhereBeforeItsCopyIsRemoved(t *testing.T) {
	ns := namespace(t, framework.HubClient(t))
	a := app(ns, "failover", 6, "100m", "registry.example.com/failover:v1", divided(flotillav1alpha1.ReplicaDivisionStaticWeights))
	a.Spec.Failover = &flotillav1alpha1.FailoverPolicy{TolerationSeconds: 5, MaxEvictionsPerMinute: 1, FailBack: flotillav1alpha1.FailBackNever}
	create(t, a)
	waitPlacement(t, ns, "failover", map[string]int32{"member-1": 2, "member-2": 2, "member-3": 2})

	f := framework.Fleet(t)
	if err := f.StopComponent(context.Background(), "member-2", devfleet.ComponentAPIServer); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			_ = f.StartComponent(context.Background(), "member-2", devfleet.ComponentAPIServer)
		}
	}()
	// The lost member's replicas become ready on the others while its copy still exists there
	// (it cannot even be reached): make-before-break.
	m1, m3 := framework.MemberClient(t, "member-1"), framework.MemberClient(t, "member-3")
	framework.Eventually(t, 2*time.Minute, func() error {
		var ready int32
		for _, cl := range []client.Client{m1, m3} {
			d := &appsv1.Deployment{}
			if err := cl.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "failover"}, d); err != nil {
				return err
			}
			ready += d.Status.ReadyReplicas
		}
		if ready != 6 {
			return fmt.Errorf("%d replicas ready on member-1 and member-3, want 6", ready)
		}
		return nil
	})
	if err := f.StartComponent(context.Background(), "member-2", devfleet.ComponentAPIServer); err != nil {
		t.Fatal(err)
	}
	restarted = true
	defer waitMemberRunsNewPods(t, "member-2")
	// Once member-2 is back its copy is removed (failBack Never), and the others keep all six.
	m2 := framework.MemberClient(t, "member-2")
	framework.Eventually(t, 2*time.Minute, func() error {
		err := m2.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "failover"}, &appsv1.Deployment{})
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("member-2 still has the lost copy (get: %w)", err)
		}
		return nil
	})
	got := memberDeployments(t, ns, "failover")
	names := make([]string, 0, len(got))
	var total int32
	for m, d := range got {
		names = append(names, m)
		total += d.Status.ReadyReplicas
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "member-1,member-3" || total != 6 {
		t.Errorf("after failover the app runs on %v with %d ready, want member-1,member-3 with 6", names, total)
	}
}
