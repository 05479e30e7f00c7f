// Package tuning holds the end-to-end tests of in-place resource tuning: a hub and three
// members, the hub controllers in the test process, pods whose simulated usage the tests set
// with annotations, read back through the members' node proxies as a kubelet serves it.
package tuning

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/devfleet/stages"
	"flotilla.dev/flotilla/internal/devfleet/usage"
	"flotilla.dev/flotilla/internal/tuning"
	"flotilla.dev/flotilla/internal/tuning/profile"
	"flotilla.dev/flotilla/test/framework"
)

func TestMain(m *testing.M) {
	os.Exit(framework.Main(m, framework.Options{Members: 3, AfterUp: framework.StartHub(framework.HubOptions{TuningCheckpointInterval: 2 * time.Second})}))
}

func namespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "tuning-"}}
	if err := framework.HubClient(t).Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = framework.HubClient(t).Delete(context.Background(), ns) })
	return ns.Name
}

// application runs replicas pods of one container "web" with the given resources and
// simulated usage, divided over the members.
func application(t *testing.T, ns, name string, replicas int32, rr corev1.ResourceRequirements, cpuUsage, memUsage string) *flotillav1alpha1.Application {
	t.Helper()
	a := framework.WebApplication(t, ns, name, replicas, rr, map[string]string{usage.CPUAnnotation: cpuUsage, usage.MemoryAnnotation: memUsage})
	create(t, a)
	return a
}

func create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := framework.HubClient(t).Create(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = framework.HubClient(t).Delete(context.Background(), obj) })
}

func resources(cpuReq, cpuLim, memReq, memLim string) corev1.ResourceRequirements {
	rr := corev1.ResourceRequirements{Requests: corev1.ResourceList{}, Limits: corev1.ResourceList{}}
	for _, v := range []struct {
		list  corev1.ResourceList
		name  corev1.ResourceName
		value string
	}{{rr.Requests, corev1.ResourceCPU, cpuReq}, {rr.Limits, corev1.ResourceCPU, cpuLim},
		{rr.Requests, corev1.ResourceMemory, memReq}, {rr.Limits, corev1.ResourceMemory, memLim}} {
		if v.value != "" {
			v.list[v.name] = resource.MustParse(v.value)
		}
	}
	return rr
}

// memberPod is a pod of the application in one member.
type memberPod struct {
	cluster string
	pod     corev1.Pod
}

// pods lists the running pods of app in every member, sorted by cluster and name.
func pods(t *testing.T, ns, app string) []memberPod {
	t.Helper()
	var out []memberPod
	for m, cl := range framework.MemberClients(t) {
		var list corev1.PodList
		if err := cl.List(context.Background(), &list, client.InNamespace(ns), client.MatchingLabels{"app": app}); err != nil {
			continue
		}
		for _, p := range list.Items {
			if p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning {
				out = append(out, memberPod{cluster: m, pod: p})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].cluster+out[i].pod.Name < out[j].cluster+out[j].pod.Name })
	return out
}

// waitPods waits for n running pods of app and returns them.
func waitPods(t *testing.T, ns, app string, n int) []memberPod {
	t.Helper()
	var got []memberPod
	framework.Eventually(t, 2*time.Minute, func() error {
		got = pods(t, ns, app)
		if len(got) != n {
			return fmt.Errorf("%d running pods, want %d", len(got), n)
		}
		return nil
	})
	return got
}

func policy(t *testing.T, ns, name string) *flotillav1alpha1.ResourcePolicy {
	t.Helper()
	p := &flotillav1alpha1.ResourcePolicy{}
	if err := framework.HubClient(t).Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// uids maps pod names to UIDs, to show pods were resized, not recreated.
func uids(ps []memberPod) map[string]types.UID {
	out := map[string]types.UID{}
	for _, p := range ps {
		out[p.cluster+"/"+p.pod.Name] = p.pod.UID
	}
	return out
}

// container returns the web container's spec resources and reported status resources.
func container(p corev1.Pod) (spec corev1.ResourceRequirements, status *corev1.ResourceRequirements, restarts int32) {
	for _, c := range p.Spec.Containers {
		if c.Name == "web" {
			spec = c.Resources
		}
	}
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Name == "web" {
			status, restarts = cs.Resources, cs.RestartCount
		}
	}
	return spec, status, restarts
}

func quantity(list corev1.ResourceList, name corev1.ResourceName) *resource.Quantity {
	q := list[name]
	return &q
}

// annotatePods sets (or, with value "", removes) an annotation on every pod of app.
func annotatePods(t *testing.T, ns, app, key, value string) {
	t.Helper()
	clients := framework.MemberClients(t)
	for _, mp := range pods(t, ns, app) {
		var v any = value
		if value == "" {
			v = nil
		}
		body, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]any{key: v}}})
		p := mp.pod
		if err := clients[mp.cluster].Patch(context.Background(), &p, client.RawPatch(types.MergePatchType, body)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOverProvisionedRequestsAreLoweredInPlace: a workload requesting 1 CPU and 512Mi while
// using 100m and 100Mi. In Recommend mode the policy shows the lower values and touches
// nothing; switched to Auto, it lowers the requests in place, step by step within bounds,
// every step a revision; pods keep their UIDs and restart counts, and their status reports the
// new resources. Then a revert to revision 1 restores that revision's values as a new revision.
func TestOverProvisionedRequestsAreLoweredInPlace(t *testing.T) {
	ns := namespace(t)
	ctx := context.Background()
	application(t, ns, "fat", 3, resources("1", "2", "512Mi", "1Gi"), "100m", "100Mi")
	before := uids(waitPods(t, ns, "fat", 3))
	create(t, &flotillav1alpha1.ResourcePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "fat"},
		Spec: flotillav1alpha1.ResourcePolicySpec{
			TargetRef: &flotillav1alpha1.ApplicationReference{Name: "fat"},
			Mode:      flotillav1alpha1.TuningRecommend,
			Containers: []flotillav1alpha1.ContainerTuning{{Name: "*",
				Targets: []flotillav1alpha1.ResourceTarget{
					{Resource: flotillav1alpha1.TunedCPU, Field: flotillav1alpha1.TunedRequest, Percentile: 90, MarginPercent: 20},
					{Resource: flotillav1alpha1.TunedMemory, Field: flotillav1alpha1.TunedRequest, Percentile: 90, MarginPercent: 20}},
				MinAllowed: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("200m"), corev1.ResourceMemory: resource.MustParse("64Mi")}}},
			Update: flotillav1alpha1.TuningUpdate{MinSamples: ptr.To(int32(5)), MinInterval: &metav1.Duration{Duration: time.Second},
				BatchSize: ptr.To(intstr.FromString("50%"))},
			Safety: flotillav1alpha1.TuningSafety{ObserveFor: &metav1.Duration{Duration: 2 * time.Second}},
		},
	})

	// Recommend: the status says what Auto would do; no pod changes.
	framework.Eventually(t, time.Minute, func() error {
		p := policy(t, ns, "fat")
		if len(p.Status.Recommendations) != 1 || !p.Status.Recommendations[0].Changed {
			return fmt.Errorf("recommendations %+v; status %+v", p.Status.Recommendations, p.Status)
		}
		return nil
	})
	rec := policy(t, ns, "fat").Status.Recommendations[0]
	if got := quantity(rec.Recommended.Requests, corev1.ResourceCPU); got.Cmp(resource.MustParse("500m")) != 0 {
		t.Errorf("recommended CPU request %s, want 500m (1 CPU lowered by the 50%% maximum step); reasons %v", got.String(), rec.Reasons)
	}
	for _, mp := range pods(t, ns, "fat") {
		if spec, _, _ := container(mp.pod); quantity(spec.Requests, corev1.ResourceCPU).Cmp(resource.MustParse("1")) != 0 {
			t.Fatalf("Recommend mode resized pod %s: %v", mp.pod.Name, spec.Requests)
		}
	}
	if p := policy(t, ns, "fat"); p.Status.CurrentRevision != 0 || len(p.Status.History) != 0 {
		t.Fatalf("Recommend mode made revisions: %+v", p.Status.History)
	}

	// Auto: lowered in steps to the bounds (CPU: 1 → 500m → 250m → 200m minAllowed; memory:
	// 512Mi → 256Mi → 128Mi → 121Mi, P90 of 100Mi + 20%).
	p := policy(t, ns, "fat")
	patch := client.MergeFrom(p.DeepCopy())
	p.Spec.Mode = flotillav1alpha1.TuningAuto
	if err := framework.HubClient(t).Patch(ctx, p, patch); err != nil {
		t.Fatal(err)
	}
	framework.Eventually(t, 2*time.Minute, func() error {
		for _, mp := range pods(t, ns, "fat") {
			spec, status, _ := container(mp.pod)
			cpu, mem := quantity(spec.Requests, corev1.ResourceCPU), quantity(spec.Requests, corev1.ResourceMemory)
			if cpu.Cmp(resource.MustParse("200m")) != 0 || mem.Cmp(resource.MustParse("128Mi")) > 0 {
				return fmt.Errorf("pod %s requests cpu %s memory %s", mp.pod.Name, cpu.String(), mem.String())
			}
			if status == nil || !status.Requests.Cpu().Equal(*cpu) {
				return fmt.Errorf("pod %s status does not report the new requests yet: %v", mp.pod.Name, status)
			}
		}
		return nil
	})
	final := pods(t, ns, "fat")
	for _, mp := range final {
		if before[mp.cluster+"/"+mp.pod.Name] != mp.pod.UID {
			t.Errorf("pod %s/%s was recreated, not resized in place", mp.cluster, mp.pod.Name)
		}
		spec, _, restarts := container(mp.pod)
		if restarts != 0 {
			t.Errorf("pod %s restarted %d times", mp.pod.Name, restarts)
		}
		if lim := quantity(spec.Limits, corev1.ResourceMemory); lim.Cmp(resource.MustParse("1Gi")) != 0 {
			t.Errorf("pod %s memory limit %s changed, but no target sets it", mp.pod.Name, lim.String())
		}
	}
	p = policy(t, ns, "fat")
	if len(p.Status.History) < 2 {
		t.Fatalf("want one revision per step, got %+v", p.Status.History)
	}
	first := p.Status.History[0]
	if first.Reason != tuning.ReasonRecommendation || first.Actor != tuning.ControllerActor || !strings.Contains(first.Message, "P90") ||
		quantity(first.Containers[0].Before.Requests, corev1.ResourceCPU).Cmp(resource.MustParse("1")) != 0 ||
		quantity(first.Containers[0].After.Requests, corev1.ResourceCPU).Cmp(resource.MustParse("500m")) != 0 {
		t.Errorf("revision 1 does not record the first step with its inputs: %+v", first)
	}

	revertToRevisionOne(t, ns, before)
	profileIsCheckpointed(t, ns, "fat")
}

// profileIsCheckpointed: the policy's usage profile is saved in the hub, and a fresh store (a
// restarted controller) restores it with the samples taken so far.
func profileIsCheckpointed(t *testing.T, ns, name string) {
	cm := &corev1.ConfigMap{}
	if err := framework.HubClient(t).Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name + tuning.ProfileSuffix}, cm); err != nil {
		t.Fatalf("no checkpoint: %v", err)
	}
	if len(cm.OwnerReferences) != 1 || cm.OwnerReferences[0].Name != name {
		t.Errorf("the checkpoint is not owned by its policy: %v", cm.OwnerReferences)
	}
	store := profile.NewStore(profile.Options{})
	if err := store.Restore(ns+"/"+name, []byte(cm.Data["profile"]), time.Now()); err != nil {
		t.Fatal(err)
	}
	sum, ok := store.Summary(profile.Key{Policy: ns + "/" + name, Container: name + "/web"}, time.Now())
	if !ok || sum.Samples < 5 || sum.Memory.Max() < 100<<20 {
		t.Errorf("restored profile %+v, want at least 5 samples of about 100Mi", sum)
	}
}

// revertToRevisionOne reverts "fat" to revision 1 by name: a new revision with revision 1's
// values, applied in place.
func revertToRevisionOne(t *testing.T, ns string, before map[string]types.UID) {
	ctx := context.Background()
	p := policy(t, ns, "fat")
	last := p.Status.CurrentRevision
	patch := client.MergeFrom(p.DeepCopy())
	p.Annotations = map[string]string{flotillav1alpha1.AnnotationTuningRevert: "1", flotillav1alpha1.AnnotationTuningRevertBy: "alice"}
	if err := framework.HubClient(t).Patch(ctx, p, patch); err != nil {
		t.Fatal(err)
	}
	framework.Eventually(t, time.Minute, func() error {
		p := policy(t, ns, "fat")
		if p.Status.CurrentRevision <= last {
			return fmt.Errorf("current revision %d", p.Status.CurrentRevision)
		}
		rev := p.Status.History[len(p.Status.History)-1]
		if rev.Reason != tuning.ReasonRevert || rev.Actor != "alice" || p.Annotations[flotillav1alpha1.AnnotationTuningRevert] != "" {
			return fmt.Errorf("last revision %+v, annotations %v", rev, p.Annotations)
		}
		for _, mp := range pods(t, ns, "fat") {
			spec, _, _ := container(mp.pod)
			if cpu := quantity(spec.Requests, corev1.ResourceCPU); cpu.Cmp(resource.MustParse("500m")) != 0 {
				return fmt.Errorf("pod %s CPU request %s, want revision 1's 500m", mp.pod.Name, cpu.String())
			}
		}
		return nil
	})
	for _, mp := range pods(t, ns, "fat") {
		if before[mp.cluster+"/"+mp.pod.Name] != mp.pod.UID {
			t.Errorf("pod %s/%s was recreated by the revert", mp.cluster, mp.pod.Name)
		}
	}
}

// TestBurstRaisesTheMemoryLimitBeforeItIsReached: a container at 100Mi of a 256Mi limit spikes
// to 235Mi (92%); the burst path raises the limit (to usage + 50%) before usage reaches it, so
// the container is never OOM-killed, though the simulated node kills a container above its limit.
func TestBurstRaisesTheMemoryLimitBeforeItIsReached(t *testing.T) {
	ns := namespace(t)
	application(t, ns, "leaky", 2, resources("100m", "500m", "128Mi", "256Mi"), "50m", "100Mi")
	waitPods(t, ns, "leaky", 2)
	create(t, &flotillav1alpha1.ResourcePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "leaky"},
		Spec: flotillav1alpha1.ResourcePolicySpec{
			TargetRef: &flotillav1alpha1.ApplicationReference{Name: "leaky"}, Mode: flotillav1alpha1.TuningAuto,
			Containers: []flotillav1alpha1.ContainerTuning{{Name: "web",
				Targets:    []flotillav1alpha1.ResourceTarget{{Resource: flotillav1alpha1.TunedMemory, Field: flotillav1alpha1.TunedLimit, Percentile: 100, MarginPercent: 30}},
				MaxAllowed: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}}},
			// No recommendation in this test: only the burst path acts.
			Update: flotillav1alpha1.TuningUpdate{MinSamples: ptr.To(int32(1_000_000))},
			Burst:  &flotillav1alpha1.TuningBurst{},
		},
	})
	framework.Eventually(t, time.Minute, func() error {
		if p := policy(t, ns, "leaky"); p.Status.Pods.Total != 2 || len(p.Status.Recommendations) != 1 || p.Status.Recommendations[0].Usage.Samples < 2 {
			return fmt.Errorf("not profiling yet: %+v", p.Status)
		}
		return nil
	})
	spiking := pods(t, ns, "leaky")[0]
	cl := framework.MemberClients(t)[spiking.cluster]
	pod := spiking.pod
	body, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{usage.MemoryAnnotation: "235Mi"}}})
	if err := cl.Patch(context.Background(), &pod, client.RawPatch(types.MergePatchType, body)); err != nil {
		t.Fatal(err)
	}
	framework.Eventually(t, 30*time.Second, func() error {
		p := &corev1.Pod{}
		if err := cl.Get(context.Background(), client.ObjectKeyFromObject(&pod), p); err != nil {
			return err
		}
		spec, status, restarts := container(*p)
		if restarts != 0 {
			t.Fatalf("the container was OOM-killed before its limit was raised: %+v", p.Status.ContainerStatuses)
		}
		lim := quantity(spec.Limits, corev1.ResourceMemory)
		if lim.Cmp(resource.MustParse("352Mi")) < 0 {
			return fmt.Errorf("memory limit %s, want at least 235Mi + 50%%", lim.String())
		}
		if status == nil || !status.Limits.Memory().Equal(*lim) {
			return fmt.Errorf("status does not report the raised limit yet")
		}
		return nil
	})
	// The usage now goes past the old limit, which the simulated node enforces with OOM kills:
	// the raised limit holds it.
	body, _ = json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{usage.MemoryAnnotation: "300Mi"}}})
	if err := cl.Patch(context.Background(), &pod, client.RawPatch(types.MergePatchType, body)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Second)
	if err := cl.Get(context.Background(), client.ObjectKeyFromObject(&pod), &pod); err != nil {
		t.Fatal(err)
	}
	if _, _, restarts := container(pod); restarts != 0 {
		t.Errorf("OOM-killed at 300Mi under the raised limit: %+v", pod.Status.ContainerStatuses)
	}
	p := policy(t, ns, "leaky")
	rev := p.Status.History[len(p.Status.History)-1]
	if rev.Reason != tuning.ReasonBurst || !strings.Contains(rev.Message, pod.Name) {
		t.Errorf("the raise is not recorded as a burst naming the pod: %+v", rev)
	}
	// The other pod follows to the same revision.
	framework.Eventually(t, 30*time.Second, func() error {
		for _, mp := range pods(t, ns, "leaky") {
			spec, _, _ := container(mp.pod)
			if lim := quantity(spec.Limits, corev1.ResourceMemory); lim.Cmp(resource.MustParse("352Mi")) < 0 {
				return fmt.Errorf("pod %s memory limit %s", mp.pod.Name, lim.String())
			}
		}
		return nil
	})
}

// TestAChangeFollowedByRestartsIsReverted: the CPU request is lowered; the resized pods then
// restart, and the controller reverts the change as a new revision, restoring the requests in
// place and holding further changes.
func TestAChangeFollowedByRestartsIsReverted(t *testing.T) {
	ns := namespace(t)
	application(t, ns, "fragile", 2, resources("800m", "", "256Mi", ""), "100m", "100Mi")
	waitPods(t, ns, "fragile", 2)
	create(t, &flotillav1alpha1.ResourcePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "fragile"},
		Spec: flotillav1alpha1.ResourcePolicySpec{
			TargetRef: &flotillav1alpha1.ApplicationReference{Name: "fragile"}, Mode: flotillav1alpha1.TuningAuto,
			Containers: []flotillav1alpha1.ContainerTuning{{Name: "*",
				Targets: []flotillav1alpha1.ResourceTarget{{Resource: flotillav1alpha1.TunedCPU, Field: flotillav1alpha1.TunedRequest, Percentile: 90}}}},
			Update: flotillav1alpha1.TuningUpdate{MinSamples: ptr.To(int32(3))},
			Safety: flotillav1alpha1.TuningSafety{ObserveFor: &metav1.Duration{Duration: 5 * time.Minute}},
		},
	})
	framework.Eventually(t, time.Minute, func() error {
		p := policy(t, ns, "fragile")
		if p.Status.CurrentRevision != 1 || p.Status.Pods.Updated != 2 {
			return fmt.Errorf("revision %d, pods %+v", p.Status.CurrentRevision, p.Status.Pods)
		}
		return nil
	})
	for _, mp := range pods(t, ns, "fragile") {
		if spec, _, _ := container(mp.pod); quantity(spec.Requests, corev1.ResourceCPU).Cmp(resource.MustParse("400m")) != 0 {
			t.Fatalf("pod %s CPU request %v, want 400m (800m lowered by 50%%)", mp.pod.Name, spec.Requests)
		}
	}
	annotatePods(t, ns, "fragile", stages.SimulateAnnotation, stages.SimulateRestart)
	framework.Eventually(t, time.Minute, func() error {
		p := policy(t, ns, "fragile")
		if p.Status.CurrentRevision != 2 {
			return fmt.Errorf("revision %d", p.Status.CurrentRevision)
		}
		return nil
	})
	annotatePods(t, ns, "fragile", stages.SimulateAnnotation, "")
	p := policy(t, ns, "fragile")
	rev := p.Status.History[1]
	if rev.Reason != tuning.ReasonAutoRevert || !strings.Contains(rev.Message, "restart") || p.Status.History[0].RevertedAt == nil || p.Status.HoldUntil == nil {
		t.Errorf("revision 2 is not an automatic revert of revision 1 naming the restarts: %+v, hold %v", p.Status.History, p.Status.HoldUntil)
	}
	framework.Eventually(t, 30*time.Second, func() error {
		for _, mp := range pods(t, ns, "fragile") {
			if spec, _, _ := container(mp.pod); quantity(spec.Requests, corev1.ResourceCPU).Cmp(resource.MustParse("800m")) != 0 {
				return fmt.Errorf("pod %s CPU request %v, want 800m back", mp.pod.Name, spec.Requests)
			}
		}
		return nil
	})
	// Held: no new recommendation lowers it again.
	time.Sleep(3 * time.Second)
	if p := policy(t, ns, "fragile"); p.Status.CurrentRevision != 2 {
		t.Errorf("a change was made during the hold after the revert: %+v", p.Status.History)
	}
}

// TestARefusedResizeIsReportedAndRetriedWithABackoff: a ResourceQuota in the members leaves no
// room for a burst raise; the members refuse the resize. The policy reports it in status and a
// Warning event and retries with a growing backoff, not in a hot loop; once the quota allows
// it, the resize goes through.
func TestARefusedResizeIsReportedAndRetriedWithABackoff(t *testing.T) {
	ns := namespace(t)
	ctx := context.Background()
	application(t, ns, "boxed", 2, resources("100m", "500m", "128Mi", "256Mi"), "50m", "100Mi")
	running := waitPods(t, ns, "boxed", 2)
	perCluster := map[string]int64{}
	for _, mp := range running {
		perCluster[mp.cluster]++
	}
	for cluster, n := range perCluster {
		quota := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "tight"},
			Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourceLimitsMemory: *resource.NewQuantity(n*256<<20+32<<20, resource.BinarySI)}}}
		if err := framework.MemberClients(t)[cluster].Create(ctx, quota); err != nil {
			t.Fatal(err)
		}
	}
	create(t, &flotillav1alpha1.ResourcePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "boxed"},
		Spec: flotillav1alpha1.ResourcePolicySpec{
			TargetRef: &flotillav1alpha1.ApplicationReference{Name: "boxed"}, Mode: flotillav1alpha1.TuningAuto,
			Containers: []flotillav1alpha1.ContainerTuning{{Name: "web",
				Targets: []flotillav1alpha1.ResourceTarget{{Resource: flotillav1alpha1.TunedMemory, Field: flotillav1alpha1.TunedLimit, Percentile: 100, MarginPercent: 30}}}},
			Update: flotillav1alpha1.TuningUpdate{MinSamples: ptr.To(int32(1_000_000))},
			Burst:  &flotillav1alpha1.TuningBurst{},
		},
	})
	spiking := running[0]
	cl := framework.MemberClients(t)[spiking.cluster]
	pod := spiking.pod
	body, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{usage.MemoryAnnotation: "240Mi"}}})
	if err := cl.Patch(ctx, &pod, client.RawPatch(types.MergePatchType, body)); err != nil {
		t.Fatal(err)
	}
	var failure flotillav1alpha1.ResizeFailure
	framework.Eventually(t, 30*time.Second, func() error {
		p := policy(t, ns, "boxed")
		for _, f := range p.Status.Failures {
			if f.Pod == pod.Name {
				failure = f
				return nil
			}
		}
		return fmt.Errorf("no failure reported: %+v", p.Status)
	})
	if !strings.Contains(failure.Message, "exceeded quota") || failure.Cluster != spiking.cluster || failure.RetryAt.IsZero() {
		t.Errorf("failure %+v does not say the member's quota refused it", failure)
	}
	if tuned := condition(policy(t, ns, "boxed").Status.Conditions, flotillav1alpha1.ConditionTuned); tuned == nil || tuned.Reason != "ResizeRefused" {
		t.Errorf("Tuned condition %+v, want ResizeRefused", tuned)
	}
	var events eventsv1.EventList
	framework.Eventually(t, 10*time.Second, func() error {
		if err := framework.HubClient(t).List(ctx, &events, client.InNamespace(ns)); err != nil {
			return err
		}
		for _, e := range events.Items {
			if e.Reason == "ResizeRefused" && e.Type == corev1.EventTypeWarning && strings.Contains(e.Note, pod.Name) {
				return nil
			}
		}
		return fmt.Errorf("no ResizeRefused event")
	})
	// Not a hot loop: over 12 s, at most two more attempts (backoff 10 s, then 20 s).
	time.Sleep(12 * time.Second)
	for _, f := range policy(t, ns, "boxed").Status.Failures {
		if f.Pod == pod.Name && f.Attempts > failure.Attempts+2 {
			t.Errorf("%d attempts in 12 s after %d: retried in a hot loop", f.Attempts, failure.Attempts)
		}
	}
	// Room again: the next retry succeeds and the failure goes away.
	for cluster := range perCluster {
		if err := framework.MemberClients(t)[cluster].Delete(ctx, &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "tight"}}); err != nil {
			t.Fatal(err)
		}
	}
	framework.Eventually(t, 90*time.Second, func() error {
		p := policy(t, ns, "boxed")
		if len(p.Status.Failures) > 0 || p.Status.Pods.Updated != 2 {
			return fmt.Errorf("failures %+v, pods %+v", p.Status.Failures, p.Status.Pods)
		}
		return nil
	})
}

func condition(conds []metav1.Condition, typ string) *metav1.Condition {
	for i := range conds {
		if conds[i].Type == typ {
			return &conds[i]
		}
	}
	return nil
}
