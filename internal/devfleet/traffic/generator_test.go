package traffic

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	clocktesting "k8s.io/utils/clock/testing"
)

func pod(name, image string, ready bool) *corev1.Pod {
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: image}}},
		Status: corev1.PodStatus{
			Phase:      corev1.PodRunning,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}},
		},
	}
}

// scrape returns the requests counted for pod with code, and whether the series exists.
func scrape(t *testing.T, g *Generator, podName string, code int) (float64, bool) {
	t.Helper()
	rec := httptest.NewRecorder()
	g.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for line := range strings.Lines(string(body)) {
		if !strings.HasPrefix(line, MetricRequests+"{") || !strings.Contains(line, `pod="`+podName+`"`) || !strings.Contains(line, `code="`+strconv.Itoa(code)+`"`) {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(line[strings.LastIndexByte(line, ' '):]), 64)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		return v, true
	}
	return 0, false
}

func TestNewRejectsFractionalCounts(t *testing.T) {
	for _, o := range []Options{{Rate: 3, Interval: 500 * time.Millisecond}, {Rate: 1, Interval: 100 * time.Millisecond}, {Rate: -1}} {
		if _, err := New(nil, o); err == nil {
			t.Errorf("New(%+v) accepted %v requests per count", o, float64(o.Rate)*o.Interval.Seconds())
		}
	}
	if _, err := New(nil, Options{Rate: 20, Interval: 100 * time.Millisecond}); err != nil {
		t.Errorf("2 requests every 100ms: %v", err)
	}
}

func TestGeneratorCountsServingPodsAndForgetsDeletedOnes(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(0, 0))
	g, err := New(nil, Options{Clock: clk, Forget: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	g.observe("member-1", pod("bad", "web:v2-errors", true))
	g.observe("member-1", pod("good", "web:v1", true))
	g.observe("member-1", pod("starting", "web:v1", false))
	g.tick()
	g.tick()
	for _, c := range []struct {
		pod  string
		code int
		want float64
	}{{"bad", 500, 6}, {"bad", 200, 14}, {"good", 500, 0}, {"good", 200, 20}} {
		if got, ok := scrape(t, g, c.pod, c.code); !ok || got != c.want {
			t.Errorf("%s code %d: %v (exists: %v), want %v", c.pod, c.code, got, ok, c.want)
		}
	}
	if _, ok := scrape(t, g, "starting", 200); ok {
		t.Error("a pod that is not ready has series")
	}

	g.observe("member-1", pod("starting", "web:v1", true))
	g.gone("member-1", cache.DeletedFinalStateUnknown{Key: "shop/bad"})
	g.tick()
	if got, _ := scrape(t, g, "starting", 200); got != 10 {
		t.Errorf("a pod that became ready: %v requests, want 10", got)
	}
	if got, ok := scrape(t, g, "bad", 500); !ok || got != 6 {
		t.Errorf("a deleted pod's series must stay, unchanged, for a while: %v (exists: %v)", got, ok)
	}
	clk.Step(time.Minute)
	g.tick()
	if _, ok := scrape(t, g, "bad", 500); ok {
		t.Error("the series of a pod deleted a minute ago are still there")
	}
	if got, _ := scrape(t, g, "good", 200); got != 40 {
		t.Errorf("good: %v requests after four counts, want 40", got)
	}
}

func TestReadyOnlyOnceRunListedThePods(t *testing.T) {
	g, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	g.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("/readyz before Run: %d, want 503", rec.Code)
	}
}

func TestOfferedLoadIsSharedByTheServingPods(t *testing.T) {
	g, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b", "c"} {
		g.observe("member-1", pod(name, "web:v1", true))
	}
	g.observe("member-2", pod("d", "web:v1", false)) // not ready: gets nothing
	rec := httptest.NewRecorder()
	g.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/load/shop/web?qps=100", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("PUT /load: %d %s", rec.Code, rec.Body)
	}
	g.tick()
	total := 0.0
	for _, name := range []string{"a", "b", "c"} {
		got, _ := scrape(t, g, name, 200)
		if got != 33 && got != 34 {
			t.Errorf("pod %s served %v, want a third of 100", name, got)
		}
		total += got
	}
	if total != 100 {
		t.Errorf("the pods served %v requests in one second, want the 100 offered", total)
	}
	if _, ok := scrape(t, g, "d", 200); ok {
		t.Error("an unready pod served offered load")
	}
	rec = httptest.NewRecorder()
	g.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if !strings.Contains(rec.Body.String(), MetricOffered+`{app="web",namespace="shop"} 100`) {
		t.Errorf("/metrics lacks the offered gauge:\n%s", rec.Body)
	}
	rec = httptest.NewRecorder()
	g.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/load/shop/web?qps=lots", nil))
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "whole number") {
		t.Errorf("bad qps: %d %s", rec.Code, rec.Body)
	}
}
