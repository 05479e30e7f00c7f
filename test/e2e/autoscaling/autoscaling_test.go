// Package autoscaling holds the end-to-end tests of the FleetAutoscaler: a hub and three members,
// the hub controllers in the test process, and Prometheus scraping a load the tests set.
package autoscaling

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/test/framework"
)

func TestMain(m *testing.M) {
	os.Exit(framework.Main(m, framework.Options{Members: 3, Traffic: true, AfterUp: framework.StartHub(framework.HubOptions{})}))
}

func namespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "autoscale-"}}
	if err := framework.HubClient(t).Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = framework.HubClient(t).Delete(context.Background(), ns) })
	return ns.Name
}

// application is a Deployment of replicas pods divided over the members by free capacity.
func application(t *testing.T, ns, name string, replicas int32) *flotillav1alpha1.Application {
	t.Helper()
	a := framework.WebApplication(t, ns, name, replicas, corev1.ResourceRequirements{Requests: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")}}, nil)
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

// qpsAutoscaler scales app to the requests per second the sample traffic generator offers it,
// 50 per replica, scaling down after 3 s of lower demand.
func qpsAutoscaler(ns, app, prometheus string, minReplicas int32) *flotillav1alpha1.FleetAutoscaler {
	return &flotillav1alpha1.FleetAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: app},
		Spec: flotillav1alpha1.FleetAutoscalerSpec{
			TargetRef: flotillav1alpha1.ApplicationReference{Name: app}, MinReplicas: ptr.To(minReplicas), MaxReplicas: 20,
			Interval: &metav1.Duration{Duration: time.Second},
			Metrics: []flotillav1alpha1.ScalingMetric{{Name: "qps", Prometheus: &flotillav1alpha1.PrometheusScalingMetric{
				Address: prometheus, Query: `sum(flotilla_sample_offered_qps{namespace="{{namespace}}",app="{{app}}"})`,
				Target: flotillav1alpha1.ScalingTarget{AverageValue: ptr.To("50")}}}},
			Behavior: &flotillav1alpha1.ScalingBehavior{ScaleDown: &flotillav1alpha1.ScalingRules{StabilizationWindowSeconds: ptr.To(int32(3))}},
		},
	}
}

// waitRunning waits until the members run exactly want replicas of app, all ready, in at least
// minClusters clusters, and the hub's Application says so.
func waitRunning(t *testing.T, ns, app string, want int32, minClusters int) {
	t.Helper()
	framework.Eventually(t, 2*time.Minute, func() error {
		var total int32
		clusters := 0
		for m, cl := range framework.MemberClients(t) {
			d := &appsv1.Deployment{}
			if err := cl.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: app}, d); err != nil {
				continue
			}
			if d.Status.ReadyReplicas != ptr.Deref(d.Spec.Replicas, 0) || d.Status.Replicas != ptr.Deref(d.Spec.Replicas, 0) {
				return fmt.Errorf("%s: %d/%d ready", m, d.Status.ReadyReplicas, ptr.Deref(d.Spec.Replicas, 0))
			}
			total += d.Status.ReadyReplicas
			if d.Status.ReadyReplicas > 0 {
				clusters++
			}
		}
		if total != want || clusters < minClusters {
			return fmt.Errorf("members run %d ready replicas in %d clusters, want %d in at least %d", total, clusters, want, minClusters)
		}
		return nil
	})
}

func condition(t *testing.T, ns, name, typ string) *metav1.Condition {
	t.Helper()
	fa := &flotillav1alpha1.FleetAutoscaler{}
	if err := framework.HubClient(t).Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, fa); err != nil {
		t.Fatal(err)
	}
	return meta.FindStatusCondition(fa.Status.Conditions, typ)
}

func TestAPromQLMetricScalesTheFleetUpAndDownAndToZero(t *testing.T) {
	prom := framework.PrometheusURL(t)
	ns := namespace(t)
	framework.OfferLoad(t, ns, "shop", 100)
	application(t, ns, "shop", 2)
	waitRunning(t, ns, "shop", 2, 1)
	create(t, qpsAutoscaler(ns, "shop", prom, 0))

	framework.OfferLoad(t, ns, "shop", 600) // 12 replicas at 50 QPS each
	waitRunning(t, ns, "shop", 12, 2)
	if c := condition(t, ns, "shop", flotillav1alpha1.ConditionScalingActive); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("ScalingActive = %+v, want True", c)
	}
	served := `sum(rate(flotilla_sample_requests_total{namespace="` + ns + `",app="shop"}[10s]))`
	framework.Eventually(t, time.Minute, func() error {
		v, err := framework.Query(t, served)
		if err != nil || v < 500 || v > 700 {
			return fmt.Errorf("the 12 replicas serve %v requests per second, want about 600 (query error: %w)", v, err)
		}
		return nil
	})
	framework.OfferLoad(t, ns, "shop", 100)
	waitRunning(t, ns, "shop", 2, 1)
	framework.OfferLoad(t, ns, "shop", 0) // no demand: scale to zero
	waitRunning(t, ns, "shop", 0, 0)
	framework.OfferLoad(t, ns, "shop", 40) // demand returns: wake up
	waitRunning(t, ns, "shop", 1, 1)
}

func TestAMetricThatCannotBeReadScalesNothing(t *testing.T) {
	ns := namespace(t)
	application(t, ns, "api", 3)
	waitRunning(t, ns, "api", 3, 1)
	fa := qpsAutoscaler(ns, "api", "http://127.0.0.1:9", 1) // nothing listens on the discard port
	create(t, fa)
	framework.Eventually(t, time.Minute, func() error {
		c := condition(t, ns, "api", flotillav1alpha1.ConditionScalingActive)
		if c == nil || c.Status != metav1.ConditionFalse || c.Reason != flotillav1alpha1.ReasonMetricsUnavailable || !strings.Contains(c.Message, "qps") {
			return fmt.Errorf("ScalingActive = %+v, want False FailedGetMetrics naming the metric", c)
		}
		return nil
	})
	time.Sleep(3 * time.Second)
	waitRunning(t, ns, "api", 3, 1)
}

func TestACronWindowRaisesMinAtItsStartAndRestoresItAtItsEnd(t *testing.T) {
	ns := namespace(t)
	application(t, ns, "batch", 1)
	waitRunning(t, ns, "batch", 1, 1)
	// A window opening at the next minute in Shanghai's time, for 20 s.
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	next := time.Now().In(shanghai).Truncate(time.Minute).Add(time.Minute)
	fa := &flotillav1alpha1.FleetAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "batch"},
		Spec: flotillav1alpha1.FleetAutoscalerSpec{
			TargetRef: flotillav1alpha1.ApplicationReference{Name: "batch"}, MinReplicas: ptr.To(int32(1)), MaxReplicas: 10,
			Interval: &metav1.Duration{Duration: time.Second},
			Schedules: []flotillav1alpha1.ScalingSchedule{{Name: "rush", Schedule: fmt.Sprintf("%d %d * * *", next.Minute(), next.Hour()),
				TimeZone: "Asia/Shanghai", Duration: metav1.Duration{Duration: 20 * time.Second}, MinReplicas: ptr.To(int32(6))}},
			Behavior: &flotillav1alpha1.ScalingBehavior{ScaleDown: &flotillav1alpha1.ScalingRules{StabilizationWindowSeconds: ptr.To(int32(0))}},
		},
	}
	create(t, fa)
	time.Sleep(time.Until(next) - 2*time.Second)
	if got := replicasOf(t, ns, "batch"); got != 1 {
		t.Fatalf("before the window: %d replicas, want 1", got)
	}
	waitRunning(t, ns, "batch", 6, 1)
	if opened := time.Since(next); opened > 15*time.Second {
		t.Errorf("6 replicas ran %s after the window opened", opened.Round(time.Second))
	}
	waitRunning(t, ns, "batch", 1, 1)
	if closed := time.Since(next.Add(20 * time.Second)); closed < 0 {
		t.Errorf("back to 1 replica %s before the window closed", -closed)
	}
}

func replicasOf(t *testing.T, ns, name string) int32 {
	t.Helper()
	a := &flotillav1alpha1.Application{}
	if err := framework.HubClient(t).Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, a); err != nil {
		t.Fatal(err)
	}
	return a.Status.Replicas
}
