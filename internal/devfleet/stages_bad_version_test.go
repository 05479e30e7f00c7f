package devfleet

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// badVersionImages are the images of the three Deployments: a good version and the two image
// tags that make KWOK simulate a bad one.
var badVersionImages = map[string]string{
	"good":      "nginx:1.27",
	"crashloop": "nginx:1.27-crashloop",
	"unready":   "example.com/web:v2-unready",
}

// badVersionSeen is what the test saw of each Deployment's pod, as times since the Deployments
// were created (0: not seen yet).
type badVersionSeen struct {
	goodReady, restarted, crashLoopBackOff, unreadyRunning time.Duration
	exitCode                                               int32
	becameReady                                            map[string]bool
}

// TestImageTagsSimulateABadVersion runs a Deployment of each kind on a real member: the good
// one becomes Ready (and takes an in-place resize), the "crashloop" one restarts and shows
// CrashLoopBackOff within a few seconds without ever being Ready, the "unready" one runs and
// is never Ready.
func TestImageTagsSimulateABadVersion(t *testing.T) {
	ctx, _, cl := upOneMember(t, 50*time.Second)
	start := time.Now()
	for name, image := range badVersionImages {
		if err := cl.Create(ctx, deployment(name, image)); err != nil {
			t.Fatal(err)
		}
	}
	seen := &badVersionSeen{becameReady: map[string]bool{}}
	err := poll(ctx, clock.RealClock{}, "the three Deployments' pods", func() (bool, error) {
		return seen.observe(ctx, cl, time.Since(start))
	})
	t.Logf("good Ready after %v; crashloop restarted after %v, CrashLoopBackOff after %v (exit code %d); unready Running after %v",
		seen.goodReady, seen.restarted, seen.crashLoopBackOff, seen.exitCode, seen.unreadyRunning)
	if err != nil {
		t.Fatal(err)
	}
	if len(seen.becameReady) > 0 {
		t.Errorf("bad versions became Ready: %v", seen.becameReady)
	}
	if seen.exitCode == 0 {
		t.Error("the crash-looping container's last state has exit code 0")
	}
	if seen.crashLoopBackOff > 5*time.Second {
		t.Errorf("CrashLoopBackOff after %v, want within 5 s", seen.crashLoopBackOff)
	}
	checkUnready(ctx, t, cl)
	checkResize(ctx, t, cl)
}

// observe records the pods' states; it is done once the good pod was Ready, the crash-looping
// one was seen restarted and in CrashLoopBackOff and the unready one has run for 2 s.
func (s *badVersionSeen) observe(ctx context.Context, cl client.Client, now time.Duration) (bool, error) {
	for name := range badVersionImages {
		pod, err := onlyPod(ctx, cl, name)
		if err != nil || pod == nil {
			return false, err
		}
		s.record(name, pod, now)
	}
	return s.goodReady > 0 && s.restarted > 0 && s.crashLoopBackOff > 0 &&
		s.unreadyRunning > 0 && now-s.unreadyRunning > 2*time.Second, nil
}

func (s *badVersionSeen) record(name string, pod *corev1.Pod, now time.Duration) {
	ready := podReady(pod)
	if ready && name != "good" {
		s.becameReady[name] = true
	}
	firstTime := func(d *time.Duration, cond bool) {
		if cond && *d == 0 {
			*d = now
		}
	}
	switch name {
	case "good":
		firstTime(&s.goodReady, ready)
	case "unready":
		firstTime(&s.unreadyRunning, pod.Status.Phase == corev1.PodRunning)
	case "crashloop":
		for _, cs := range pod.Status.ContainerStatuses {
			firstTime(&s.restarted, cs.RestartCount > 0)
			firstTime(&s.crashLoopBackOff, cs.State.Waiting != nil && cs.State.Waiting.Reason == "CrashLoopBackOff")
			if last := cs.LastTerminationState.Terminated; last != nil {
				s.exitCode = last.ExitCode
			}
		}
	}
}

// checkUnready checks the unready pod in detail: Running, started, not ready, never restarted.
func checkUnready(ctx context.Context, t *testing.T, cl client.Client) {
	t.Helper()
	pod, err := onlyPod(ctx, cl, "unready")
	if err != nil || pod == nil {
		t.Fatalf("unready pod: %v, %v", pod, err)
	}
	conds := map[corev1.PodConditionType]corev1.ConditionStatus{}
	for _, c := range pod.Status.Conditions {
		conds[c.Type] = c.Status
	}
	if pod.Status.Phase != corev1.PodRunning || conds[corev1.PodReady] != corev1.ConditionFalse ||
		conds[corev1.ContainersReady] != corev1.ConditionFalse || len(pod.Status.ContainerStatuses) != 1 {
		t.Fatalf("unready pod: phase %s, conditions %v, %d container statuses", pod.Status.Phase, conds, len(pod.Status.ContainerStatuses))
	}
	cs := pod.Status.ContainerStatuses[0]
	if cs.Ready || cs.Started == nil || !*cs.Started || cs.State.Running == nil || cs.RestartCount != 0 {
		t.Errorf("unready container: ready %v, started %v, state %+v, restarts %d", cs.Ready, cs.Started, cs.State, cs.RestartCount)
	}
}

// checkResize resizes the good pod in place and waits until its status reports the new
// request, as the pod-resources stage promises.
func checkResize(ctx context.Context, t *testing.T, cl client.Client) {
	t.Helper()
	pod, err := onlyPod(ctx, cl, "good")
	if err != nil || pod == nil {
		t.Fatalf("good pod: %v, %v", pod, err)
	}
	patch := []byte(`{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"200m"}}}]}}`)
	if err := cl.SubResource("resize").Patch(ctx, pod, client.RawPatch(types.StrategicMergePatchType, patch)); err != nil {
		t.Fatalf("resizing the good pod: %v", err)
	}
	err = poll(ctx, clock.RealClock{}, "the resize in the good pod's status", func() (bool, error) {
		if err := cl.Get(ctx, client.ObjectKeyFromObject(pod), pod); err != nil {
			return false, err
		}
		got := pod.Status.ContainerStatuses[0].Resources
		return got != nil && got.Requests.Cpu().Equal(resource.MustParse("200m")), nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// onlyPod returns the pod of the Deployment name, or nil while it has none or several.
func onlyPod(ctx context.Context, cl client.Client, name string) (*corev1.Pod, error) {
	pods := &corev1.PodList{}
	if err := cl.List(ctx, pods, client.InNamespace(metav1.NamespaceDefault), client.MatchingLabels{"app": name}); err != nil {
		return nil, fmt.Errorf("listing the pods of %s: %w", name, err)
	}
	if len(pods.Items) != 1 {
		return nil, nil
	}
	return &pods.Items[0], nil
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// deployment runs one pod of image, requesting 100m CPU (so that it can be resized).
func deployment(name, image string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	pod := corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}}
	pod.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: pod},
		},
	}
}
