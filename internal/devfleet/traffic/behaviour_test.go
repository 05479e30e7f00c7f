package traffic

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDecide(t *testing.T) {
	cases := []struct {
		name    string
		images  []string
		serving bool
		want    Behaviour
	}{
		{"a plain tag answers 200", []string{"registry.example.com/web:v1"}, true, Behaviour{Serving: true, LatencySeconds: NormalLatency}},
		{"errors fails 30%", []string{"web:v2-errors"}, true, Behaviour{Serving: true, ErrorPercent: 30, LatencySeconds: NormalLatency}},
		{"errors50 fails 50%", []string{"web:v2-errors50"}, true, Behaviour{Serving: true, ErrorPercent: 50, LatencySeconds: NormalLatency}},
		{"errors0 fails none", []string{"web:errors0"}, true, Behaviour{Serving: true, LatencySeconds: NormalLatency}},
		{"above 100 is 100", []string{"web:errors250"}, true, Behaviour{Serving: true, ErrorPercent: 100, LatencySeconds: NormalLatency}},
		{"case does not matter", []string{"web:V2-Errors10"}, true, Behaviour{Serving: true, ErrorPercent: 10, LatencySeconds: NormalLatency}},
		{"the registry's name does not count", []string{"errors.example.com:5000/web:v1"}, true, Behaviour{Serving: true, LatencySeconds: NormalLatency}},
		{"the image's name does not count", []string{"example.com/errors:v1"}, true, Behaviour{Serving: true, LatencySeconds: NormalLatency}},
		{"a digest is no tag", []string{"web@sha256:errors"}, true, Behaviour{Serving: true, LatencySeconds: NormalLatency}},
		{"the worst container decides", []string{"web:v1", "sidecar:errors20", "log:errors10"}, true, Behaviour{Serving: true, ErrorPercent: 20, LatencySeconds: NormalLatency}},
		{"slow answers slowly", []string{"web:v3-slow"}, true, Behaviour{Serving: true, LatencySeconds: SlowLatency}},
		{"slow and failing", []string{"web:v3-slow-errors40"}, true, Behaviour{Serving: true, ErrorPercent: 40, LatencySeconds: SlowLatency}},
		{"not serving keeps its profile", []string{"web:errors"}, false, Behaviour{ErrorPercent: 30, LatencySeconds: NormalLatency}},
		{"no containers", nil, true, Behaviour{Serving: true, LatencySeconds: NormalLatency}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Decide(tc.images, tc.serving); got != tc.want {
				t.Errorf("Decide(%v, %v) = %+v, want %+v", tc.images, tc.serving, got, tc.want)
			}
		})
	}
}

func TestSplit(t *testing.T) {
	serving := func(p int) Behaviour { return Behaviour{Serving: true, ErrorPercent: p} }
	cases := []struct {
		name       string
		b          Behaviour
		sent       int
		n          int
		ok, failed int
	}{
		{"no errors", serving(0), 0, 10, 10, 0},
		{"30% of the first ten", serving(30), 0, 10, 7, 3},
		{"30% of any ten", serving(30), 37, 10, 7, 3},
		{"30% of the first three: request 3 is fine, 4 fails", serving(30), 0, 3, 3, 0},
		{"request 4 fails at 30%", serving(30), 3, 1, 0, 1},
		{"50% alternates", serving(50), 0, 2, 1, 1},
		{"5% of a hundred", serving(5), 0, 100, 95, 5},
		{"5% of the first ten: none (request 20 is the first to fail)", serving(5), 0, 10, 10, 0},
		{"5% of the second ten: one", serving(5), 10, 10, 9, 1},
		{"100% fails everything", serving(100), 12, 10, 0, 10},
		{"above 100 counts as 100", serving(300), 0, 10, 0, 10},
		{"below 0 counts as 0", serving(-5), 0, 10, 10, 0},
		{"far into the pattern", serving(30), 1<<62 + 95, 10, 7, 3},
		{"not serving answers nothing", Behaviour{ErrorPercent: 30}, 0, 10, 0, 0},
		{"no requests", serving(30), 0, 0, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ok, failed := Split(tc.b, tc.sent, tc.n)
			if ok != tc.ok || failed != tc.failed {
				t.Errorf("Split(%+v, %d, %d) = %d ok, %d failed; want %d, %d", tc.b, tc.sent, tc.n, ok, failed, tc.ok, tc.failed)
			}
		})
	}
}

// FuzzSplit checks the promises of Split: counting requests in batches gives what counting
// them one by one gives, and every hundred consecutive requests hold exactly ErrorPercent
// failures.
func FuzzSplit(f *testing.F) {
	f.Add(30, 0, 7)
	f.Add(5, 1234, 3)
	f.Fuzz(func(t *testing.T, p, sent, step int) {
		p = ((p % 101) + 101) % 101
		step = 1 + ((step%100)+100)%100
		sent = ((sent % (1 << 62)) + (1 << 62)) % (1 << 62)
		b := Behaviour{Serving: true, ErrorPercent: p}
		fails := make([]int, 200) // of each request, one by one
		for i := range fails {
			_, fails[i] = Split(b, sent+i, 1)
		}
		for start := 0; start+step <= len(fails); start += step {
			ok, failed := Split(b, sent+start, step)
			if want := sum(fails[start : start+step]); failed != want || ok != step-want {
				t.Fatalf("Split(%d%%, %d, %d) = %d ok, %d failed; one by one %d failed", p, sent+start, step, ok, failed, want)
			}
		}
		for start := range 100 {
			if got := sum(fails[start : start+100]); got != p {
				t.Fatalf("%d%%: requests %d..%d hold %d failures", p, sent+start+1, sent+start+100, got)
			}
		}
	})
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

func TestImageTag(t *testing.T) {
	cases := map[string]string{
		"web":                                 "",
		"web:v1":                              "v1",
		"registry.example.com/team/web:v1.2":  "v1.2",
		"localhost:5000/web":                  "",
		"localhost:5000/web:v2-errors":        "v2-errors",
		"web:v1@sha256:0123abcd":              "v1",
		"web@sha256:0123abcd":                 "",
		"":                                    "",
		"registry.eu.example.com/web:canary1": "canary1",
	}
	for image, want := range cases {
		if got := ImageTag(image); got != want {
			t.Errorf("ImageTag(%q) = %q, want %q", image, got, want)
		}
	}
}

func TestServing(t *testing.T) {
	ready := corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue}
	notReady := corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionFalse}
	now := metav1.Now()
	cases := []struct {
		name string
		pod  corev1.Pod
		want bool
	}{
		{"running and ready", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{ready}}}, true},
		{"running, not ready", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{notReady}}}, false},
		{"running, no condition yet", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning}}, false},
		{"pending", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending}}, false},
		{"succeeded", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodSucceeded, Conditions: []corev1.PodCondition{ready}}}, false},
		{"terminating", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{ready}}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Serving(&tc.pod); got != tc.want {
				t.Errorf("Serving = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSeriesOf(t *testing.T) {
	meta := func(labels, annotations map[string]string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-1", Labels: labels, Annotations: annotations}}
	}
	cases := []struct {
		name string
		pod  *corev1.Pod
		want Series
	}{
		{"nothing labelled", meta(nil, nil), Series{Cluster: "member-1", Namespace: "shop", Pod: "web-1", Track: "stable"}},
		{"app label", meta(map[string]string{"app": "web"}, nil), Series{Cluster: "member-1", Namespace: "shop", Pod: "web-1", App: "web", Track: "stable"}},
		{
			"flotilla labels win",
			meta(map[string]string{"app": "other", "flotilla.dev/application": "web", "flotilla.dev/track": "canary", "flotilla.dev/revision": "web-3"}, map[string]string{"flotilla.dev/revision": "web-2"}),
			Series{Cluster: "member-1", Namespace: "shop", Pod: "web-1", App: "web", Track: "canary", Revision: "web-3"},
		},
		{
			"revision from the annotation",
			meta(map[string]string{"app": "web"}, map[string]string{"flotilla.dev/revision": "web-2"}),
			Series{Cluster: "member-1", Namespace: "shop", Pod: "web-1", App: "web", Track: "stable", Revision: "web-2"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := SeriesOf("member-1", tc.pod); got != tc.want {
				t.Errorf("SeriesOf = %+v, want %+v", got, tc.want)
			}
		})
	}
}
