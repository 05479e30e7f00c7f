package traffic_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/devfleet/traffic"
	"flotilla.dev/flotilla/test/framework"
)

func TestMain(m *testing.M) {
	os.Exit(framework.Main(m, framework.Options{Members: 1, Traffic: true}))
}

// deployment creates a Deployment of app web on the given track with replicas pods of image.
func deployment(t *testing.T, cl client.Client, ns, name, track, image string, replicas int32) {
	t.Helper()
	labels := map[string]string{"app": "web", "release": name}
	if track != flotillav1alpha1.TrackStable {
		labels[flotillav1alpha1.LabelTrack] = track
	}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"release": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: image}}},
			},
		},
	}
	if err := cl.Create(context.Background(), d); err != nil {
		t.Fatal(err)
	}
}

// TestPrometheusSeesTheErrorRatioOfTheCanary is the rollout analysis' view: a stable
// Deployment and a canary whose image tag asks for errors, and the error ratio of each track
// by a PromQL query to the fleet's Prometheus.
func TestPrometheusSeesTheErrorRatioOfTheCanary(t *testing.T) {
	framework.PrometheusURL(t)
	cl := framework.MemberClient(t, "member-1")
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "traffic-"}}
	if err := cl.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.Delete(context.Background(), ns) })
	deployment(t, cl, ns.Name, "web", flotillav1alpha1.TrackStable, "registry.example.com/web:v1", 3)
	deployment(t, cl, ns.Name, "web-canary", flotillav1alpha1.TrackCanary, "registry.example.com/web:v2-errors", 1)

	errorRatio := func(track string) string {
		sel := fmt.Sprintf(`namespace=%q,app="web",track=%q`, ns.Name, track)
		return fmt.Sprintf(`sum(rate(%s{%s,code=~"5.."}[10s])) / sum(rate(%s{%s}[10s]))`, traffic.MetricRequests, sel, traffic.MetricRequests, sel)
	}
	framework.Eventually(t, 30*time.Second, func() error {
		for track, want := range map[string]float64{"canary": traffic.DefaultErrorPercent / 100.0, "stable": 0} {
			got, err := framework.Query(t, errorRatio(track))
			if err != nil {
				return err
			}
			if math.Abs(got-want) > 0.01 {
				return fmt.Errorf("error ratio of the %s pods: %.3f, want %.2f", track, got, want)
			}
		}
		return nil
	})
	framework.Eventually(t, 10*time.Second, func() error {
		pods, err := framework.Query(t, fmt.Sprintf(`count(count by (pod) (%s{namespace=%q,job="flotilla-traffic"}))`, traffic.MetricRequests, ns.Name))
		if err != nil {
			return err
		}
		if pods != 4 {
			return fmt.Errorf("%v pods counted, want 4", pods)
		}
		return nil
	})
}
