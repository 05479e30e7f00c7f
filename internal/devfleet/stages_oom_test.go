package devfleet

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/internal/devfleet/stages"
	"flotilla.dev/flotilla/internal/devfleet/usage"
)

// simPod is a bare pod in the default namespace with one container per memory limit ("" for
// none), named app, side, side2..., each requesting 100m CPU, annotated with the given
// memory usage ("" for the default) and the extra annotations.
func simPod(name, memoryUsage string, extra map[string]string, memoryLimits ...string) *corev1.Pod {
	annotations := map[string]string{}
	if memoryUsage != "" {
		annotations[usage.MemoryAnnotation] = memoryUsage
	}
	for k, v := range extra {
		annotations[k] = v
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault, Annotations: annotations}}
	for i, limit := range memoryLimits {
		c := corev1.Container{Name: containerName(i), Image: "nginx:1.27"}
		c.Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}
		if limit != "" {
			c.Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(limit)}
		}
		pod.Spec.Containers = append(pod.Spec.Containers, c)
	}
	return pod
}

func containerName(i int) string {
	switch i {
	case 0:
		return "app"
	case 1:
		return "side"
	}
	return fmt.Sprintf("side%d", i)
}

// oomCase is a pod of TestOOMKillsAndRestarts and how many times each of its containers must
// have restarted, at least, before the usage is lowered (0: never).
type oomCase struct {
	pod      *corev1.Pod
	restarts []int32
	reason   string
}

// TestOOMKillsAndRestarts runs pods on a real member whose memory usage is above or below
// their containers' limits, in the quantity formats people write, and one annotated
// flotilla.dev/simulate=restart: the ones above are OOM-killed again and again (lastState
// OOMKilled, exit code 137, restartCount up, running again), the annotated one restarts with
// Error, the others never restart. The OOM-killed and restarted pods report an in-place resize
// at their next restart; a steady pod reports one at once without restarting. Lowering the
// usage, lifting the limit by a resize or removing the annotation stops the restarts.
func TestOOMKillsAndRestarts(t *testing.T) {
	t.Parallel() // it mostly waits for the stages' delays
	ctx, _, cl := upOneMember(t, 100*time.Second)
	restart := map[string]string{stages.SimulateAnnotation: stages.SimulateRestart}
	oom, errExit := stages.OOMKilledReason, "Error"
	cases := []oomCase{
		{simPod("oom", "64Mi", nil, "32Mi"), []int32{2}, oom},
		{simPod("oom-resize", "64Mi", nil, "32Mi"), []int32{1}, oom},
		// 32Mi each: above the first container's limit, below the second's.
		{simPod("oom-sidecar", "64Mi", nil, "16Mi", "64Mi"), []int32{1, 0}, oom},
		// The default usage, 16Mi, is above 8Mi.
		{simPod("oom-default", "", nil, "8Mi"), []int32{1}, oom},
		{simPod("oom-gi", "0.5Gi", nil, "500Mi"), []int32{1}, oom},
		{simPod("oom-exponent", "1.1e9", nil, "1Gi"), []int32{1}, oom},
		{simPod("oom-bytes", "1048577", nil, "1Mi"), []int32{1}, oom},
		{simPod("restart", "", restart, ""), []int32{2}, errExit},
		// Restarts on request win over OOM kills.
		{simPod("restart-oom", "64Mi", restart, "32Mi"), []int32{1}, errExit},
		{simPod("equal", "1Gi", nil, "1024Mi"), []int32{0}, ""},
		{simPod("below", "500M", nil, "512Mi"), []int32{0}, ""},
		{simPod("no-limit", "1Gi", nil, ""), []int32{0}, ""},
		{simPod("bad-usage", "lots", nil, "1Mi"), []int32{0}, ""},
		{simPod("steady", "", nil, "64Mi"), []int32{0}, ""},
	}
	start := time.Now()
	for _, c := range cases {
		if err := cl.Create(ctx, c.pod); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cases {
		c.pod = waitForPod(ctx, t, cl, c.pod.Name, "Running", func(p *corev1.Pod) bool { return runningContainers(p) == len(p.Spec.Containers) })
	}
	uids := map[string]types.UID{}
	for _, c := range cases {
		uids[c.pod.Name] = c.pod.UID
	}

	// The steady pod takes a resize at once (flotilla-pod-resources), without a restart.
	resizeCPU(ctx, t, cl, "steady", "200m")
	waitForPod(ctx, t, cl, "steady", "the resize in status", func(p *corev1.Pod) bool { return statusCPU(p, 0) == "200m" })

	for _, c := range cases {
		if c.reason == "" {
			continue
		}
		p := waitForPod(ctx, t, cl, c.pod.Name, fmt.Sprintf("restart counts %v", c.restarts), func(p *corev1.Pod) bool { return restartedAtLeast(p, c.restarts) })
		checkRestarted(t, p, c)
	}
	t.Logf("every killed or restarted container restarted often enough %v after the pods were created", time.Since(start).Round(100*time.Millisecond))

	// Pods being killed or restarted report a resize at their next restart.
	for _, name := range []string{"oom", "restart"} {
		before := restartCount(waitForPod(ctx, t, cl, name, "", func(*corev1.Pod) bool { return true }), 0)
		resizeCPU(ctx, t, cl, name, "150m")
		p := waitForPod(ctx, t, cl, name, "the resize in status", func(p *corev1.Pod) bool { return statusCPU(p, 0) == "150m" })
		if restartCount(p, 0) <= before {
			t.Errorf("%s reports its resize without a restart (restartCount %d): flotilla-pod-resources played on it", name, restartCount(p, 0))
		}
	}

	// Stop every cause: lower the usage, lift the limit, remove the annotations.
	setMemoryUsage(ctx, t, cl, "oom", "16Mi")
	resizeMemoryLimit(ctx, t, cl, "oom-resize", "128Mi")
	for _, name := range []string{"restart", "restart-oom"} {
		patchPod(ctx, t, cl, name, fmt.Sprintf(`{"metadata":{"annotations":{%q:null}}}`, stages.SimulateAnnotation))
	}
	waitForPod(ctx, t, cl, "oom-resize", "the new limit in status", func(p *corev1.Pod) bool { return statusMemoryLimit(p, 0) == "128Mi" })
	time.Sleep(time.Second) // a restart that was under way when its cause went
	counts := map[string][]int32{}
	for _, c := range cases {
		counts[c.pod.Name] = restartCounts(waitForPod(ctx, t, cl, c.pod.Name, "", func(*corev1.Pod) bool { return true }))
	}
	stillKilled := map[string]bool{"oom-sidecar": true, "oom-default": true, "oom-gi": true, "oom-exponent": true, "oom-bytes": true, "restart-oom": true}
	time.Sleep(10 * time.Second)
	for _, c := range cases {
		p := waitForPod(ctx, t, cl, c.pod.Name, "", func(*corev1.Pod) bool { return true })
		if p.UID != uids[c.pod.Name] {
			t.Errorf("%s was recreated", c.pod.Name)
		}
		got := restartCounts(p)
		changed := fmt.Sprint(got) != fmt.Sprint(counts[c.pod.Name])
		switch {
		case c.reason == "" && fmt.Sprint(got) != fmt.Sprint(make([]int32, len(got))):
			t.Errorf("%s restarted (restart counts %v) though its usage is within its limits", c.pod.Name, got)
		case stillKilled[c.pod.Name] && !changed:
			t.Errorf("%s stopped restarting (restart counts %v) though its cause is still there", c.pod.Name, got)
		case !stillKilled[c.pod.Name] && changed:
			t.Errorf("%s restarted after its cause went: restart counts %v, then %v", c.pod.Name, counts[c.pod.Name], got)
		}
		if p.Status.Phase != corev1.PodRunning || !podReady(p) {
			t.Errorf("%s is %s, ready %v; want Running and Ready", c.pod.Name, p.Status.Phase, podReady(p))
		}
	}
}

// checkRestarted checks the last state of the containers of c that restarted.
func checkRestarted(t *testing.T, p *corev1.Pod, c oomCase) {
	t.Helper()
	exitCode := int32(1)
	if c.reason == stages.OOMKilledReason {
		exitCode = stages.OOMKilledExitCode
	}
	for i, cs := range p.Status.ContainerStatuses {
		last := cs.LastTerminationState.Terminated
		if c.restarts[i] == 0 {
			if cs.RestartCount != 0 || last != nil {
				t.Errorf("%s/%s restarted (%d, last state %+v) within its limit", p.Name, cs.Name, cs.RestartCount, last)
			}
			continue
		}
		if last == nil || last.Reason != c.reason || last.ExitCode != exitCode || last.FinishedAt.IsZero() || last.StartedAt.After(last.FinishedAt.Time) {
			t.Errorf("%s/%s: last state %+v, want terminated %s with exit code %d", p.Name, cs.Name, last, c.reason, exitCode)
		}
		if cs.State.Running == nil || !cs.Ready || cs.Started == nil || !*cs.Started {
			t.Errorf("%s/%s does not run again: state %+v, ready %v", p.Name, cs.Name, cs.State, cs.Ready)
		}
	}
}

// waitForPod waits until the pod satisfies done and returns it.
func waitForPod(ctx context.Context, t *testing.T, cl client.Client, name, what string, done func(*corev1.Pod) bool) *corev1.Pod {
	t.Helper()
	pod := &corev1.Pod{}
	err := poll(ctx, clock.RealClock{}, fmt.Sprintf("pod %s: %s", name, what), func() (bool, error) {
		if err := cl.Get(ctx, client.ObjectKey{Namespace: metav1.NamespaceDefault, Name: name}, pod); err != nil {
			return false, err
		}
		return done(pod), nil
	})
	if err != nil {
		t.Fatalf("%v\nlast status: %+v", err, pod.Status.ContainerStatuses)
	}
	return pod
}

func runningContainers(p *corev1.Pod) int {
	n := 0
	for _, cs := range p.Status.ContainerStatuses {
		if cs.State.Running != nil {
			n++
		}
	}
	return n
}

func restartCounts(p *corev1.Pod) []int32 {
	out := make([]int32, len(p.Status.ContainerStatuses))
	for i, cs := range p.Status.ContainerStatuses {
		out[i] = cs.RestartCount
	}
	return out
}

func restartCount(p *corev1.Pod, container int) int32 {
	if container >= len(p.Status.ContainerStatuses) {
		return 0
	}
	return p.Status.ContainerStatuses[container].RestartCount
}

// restartedAtLeast reports whether each container restarted as often as wanted (0: any).
func restartedAtLeast(p *corev1.Pod, want []int32) bool {
	got := restartCounts(p)
	if len(got) != len(want) {
		return false
	}
	for i := range want {
		if got[i] < want[i] {
			return false
		}
	}
	return true
}

func statusCPU(p *corev1.Pod, container int) string {
	if container >= len(p.Status.ContainerStatuses) || p.Status.ContainerStatuses[container].Resources == nil {
		return ""
	}
	return p.Status.ContainerStatuses[container].Resources.Requests.Cpu().String()
}

func statusMemoryLimit(p *corev1.Pod, container int) string {
	if container >= len(p.Status.ContainerStatuses) || p.Status.ContainerStatuses[container].Resources == nil {
		return ""
	}
	return p.Status.ContainerStatuses[container].Resources.Limits.Memory().String()
}

// resizeCPU changes the CPU request of the pod's first container in place (pods/resize).
func resizeCPU(ctx context.Context, t *testing.T, cl client.Client, pod, cpu string) {
	t.Helper()
	resize(ctx, t, cl, pod, fmt.Sprintf(`{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":%q}}}]}}`, cpu))
}

// resizeMemoryLimit changes the memory limit of the pod's first container in place.
func resizeMemoryLimit(ctx context.Context, t *testing.T, cl client.Client, pod, memory string) {
	t.Helper()
	resize(ctx, t, cl, pod, fmt.Sprintf(`{"spec":{"containers":[{"name":"app","resources":{"limits":{"memory":%q}}}]}}`, memory))
}

func resize(ctx context.Context, t *testing.T, cl client.Client, pod, patch string) {
	t.Helper()
	obj := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: pod, Namespace: metav1.NamespaceDefault}}
	if err := cl.SubResource("resize").Patch(ctx, obj, client.RawPatch(types.StrategicMergePatchType, []byte(patch))); err != nil {
		t.Fatalf("resizing %s: %v", pod, err)
	}
}

// setMemoryUsage sets the pod's simulated memory usage.
func setMemoryUsage(ctx context.Context, t *testing.T, cl client.Client, pod, memory string) {
	t.Helper()
	patchPod(ctx, t, cl, pod, fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, usage.MemoryAnnotation, memory))
}

func patchPod(ctx context.Context, t *testing.T, cl client.Client, pod, patch string) {
	t.Helper()
	obj := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: pod, Namespace: metav1.NamespaceDefault}}
	if err := cl.Patch(ctx, obj, client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
		t.Fatalf("patching %s with %s: %v", pod, strings.TrimSpace(patch), err)
	}
}
