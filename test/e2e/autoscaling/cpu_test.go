package autoscaling

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/devfleet/usage"
	"flotilla.dev/flotilla/test/framework"
)

// cpuLoad spreads a total CPU usage over the running pods of an application in every member,
// as a load balancer would: every 500 ms each pod is annotated with its share, which the
// members' metrics-server reports through the metrics API.
type cpuLoad struct {
	mu     sync.Mutex
	millis int
}

func spreadCPU(t *testing.T, ns, app string, millis int) *cpuLoad {
	t.Helper()
	l := &cpuLoad{millis: millis}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	members := framework.MemberClients(t)
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			l.mu.Lock()
			total := l.millis
			l.mu.Unlock()
			var pods []struct {
				cl client.Client
				p  corev1.Pod
			}
			for _, cl := range members {
				var list corev1.PodList
				if err := cl.List(ctx, &list, client.InNamespace(ns), client.MatchingLabels{"app": app}); err != nil {
					continue
				}
				for _, p := range list.Items {
					if p.DeletionTimestamp == nil {
						pods = append(pods, struct {
							cl client.Client
							p  corev1.Pod
						}{cl, p})
					}
				}
			}
			for _, e := range pods {
				share := fmt.Sprintf("%dm", total/len(pods))
				if e.p.Annotations[usage.CPUAnnotation] == share {
					continue
				}
				patch := client.MergeFrom(e.p.DeepCopy())
				if e.p.Annotations == nil {
					e.p.Annotations = map[string]string{}
				}
				e.p.Annotations[usage.CPUAnnotation] = share
				_ = e.cl.Patch(ctx, &e.p, patch)
			}
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
		}
	}()
	return l
}

func (l *cpuLoad) set(millis int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.millis = millis
}

func TestCPULoadScalesTheAppUpAcrossClustersAndBackDownAfterTheWindow(t *testing.T) {
	ns := namespace(t)
	application(t, ns, "cpu", 3) // each pod requests 100m
	waitRunning(t, ns, "cpu", 3, 1)
	load := spreadCPU(t, ns, "cpu", 150) // 50m a pod: 50% of the request
	fa := &flotillav1alpha1.FleetAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "cpu"},
		Spec: flotillav1alpha1.FleetAutoscalerSpec{
			TargetRef: flotillav1alpha1.ApplicationReference{Name: "cpu"}, MinReplicas: ptr.To(int32(2)), MaxReplicas: 12,
			Interval: &metav1.Duration{Duration: 2 * time.Second},
			Metrics: []flotillav1alpha1.ScalingMetric{{Name: "cpu", Resource: &flotillav1alpha1.ResourceScalingMetric{
				Name: corev1.ResourceCPU, TargetAverageUtilization: 50}}},
			Behavior: &flotillav1alpha1.ScalingBehavior{ScaleDown: &flotillav1alpha1.ScalingRules{StabilizationWindowSeconds: ptr.To(int32(15))}},
		},
	}
	create(t, fa)
	load.set(450) // 150% of the requests of 3 pods: 9 pods at 50%
	waitRunning(t, ns, "cpu", 9, 2)
	load.set(200) // 4 pods at 50%
	start := time.Now()
	waitRunning(t, ns, "cpu", 4, 1)
	if took := time.Since(start); took < 15*time.Second {
		t.Errorf("scaled down %s after the load fell, before the 15 s stabilization window", took.Round(time.Second))
	}
	if c := condition(t, ns, "cpu", flotillav1alpha1.ConditionScalingActive); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("ScalingActive = %+v, want True from the metrics API", c)
	}
}
