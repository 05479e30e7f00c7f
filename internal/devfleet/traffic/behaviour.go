package traffic

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// DefaultErrorPercent is the share of failing requests of a pod whose image tag contains
// "errors" without a number after it.
const DefaultErrorPercent = 30

// Latencies of a request, in seconds: a pod whose image tag contains "slow" answers in
// SlowLatency, any other in NormalLatency.
const (
	NormalLatency = 0.02
	SlowLatency   = 0.5
)

// LabelApp names the application of a pod without flotillav1alpha1.LabelApplication.
const LabelApp = "app"

// Behaviour is how a simulated pod answers requests.
type Behaviour struct {
	// Serving is false for a pod that gets no requests: not Running, not Ready or terminating.
	Serving bool
	// ErrorPercent of the requests fail with HTTP 500, 0-100; the others answer 200.
	ErrorPercent int
	// LatencySeconds every request takes.
	LatencySeconds float64
}

// Decide returns how a pod answers from its containers' images and whether it is serving (see
// Serving). The tag of any image decides: one containing "errors" fails DefaultErrorPercent of
// the requests, or the percentage right after it ("v2-errors50": 50; above 100 counts as 100);
// one containing "slow" answers in SlowLatency. Tags are compared without regard to case.
func Decide(images []string, serving bool) Behaviour {
	b := Behaviour{Serving: serving, LatencySeconds: NormalLatency}
	for _, image := range images {
		tag := strings.ToLower(ImageTag(image))
		b.ErrorPercent = max(b.ErrorPercent, errorPercent(tag))
		if strings.Contains(tag, "slow") {
			b.LatencySeconds = SlowLatency
		}
	}
	return b
}

// Split divides the requests numbered sent+1 to sent+n of a pod into those that succeed and
// those that fail. Request k fails when floor(k*p/100) > floor((k-1)*p/100) for p =
// b.ErrorPercent: failures are spread evenly, any 100 consecutive requests hold exactly p of
// them, and any 10 hold exactly p/10 when p is a multiple of 10. A pod that is not serving
// answers nothing.
func Split(b Behaviour, sent, n int) (ok, failed int) {
	if !b.Serving || n <= 0 {
		return 0, 0
	}
	p := min(max(b.ErrorPercent, 0), 100)
	start := max(sent, 0) % 100 // the pattern repeats every 100 requests
	failed = (start+n)*p/100 - start*p/100
	return n - failed, failed
}

// Serving reports whether pod takes requests: Running, Ready and not being deleted.
func Serving(pod *corev1.Pod) bool {
	if pod.DeletionTimestamp != nil || pod.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// Images returns the images of pod's containers.
func Images(pod *corev1.Pod) []string {
	out := make([]string, 0, len(pod.Spec.Containers))
	for _, c := range pod.Spec.Containers {
		out = append(out, c.Image)
	}
	return out
}

// ImageTag returns the tag of an image reference: "v2" for registry:5000/web:v2@sha256:..., ""
// when it has none.
func ImageTag(image string) string {
	name, _, _ := strings.Cut(image, "@")
	colon := strings.LastIndexByte(name, ':')
	if colon < 0 || colon < strings.LastIndexByte(name, '/') {
		return ""
	}
	return name[colon+1:]
}

// errorPercent is the share of failing requests a lower-case tag asks for.
func errorPercent(tag string) int {
	_, after, found := strings.Cut(tag, "errors")
	if !found {
		return 0
	}
	digits := 0
	p := 0
	for digits < len(after) && after[digits] >= '0' && after[digits] <= '9' {
		p = min(p*10+int(after[digits]-'0'), 100)
		digits++
	}
	if digits == 0 {
		return DefaultErrorPercent
	}
	return p
}

// Series are the labels a pod's requests are counted under, but the response code.
type Series struct {
	Cluster, Namespace, App, Track, Revision, Pod string
}

// SeriesOf returns the series of pod in cluster. App is the pod's flotilla.dev/application
// label, else its app label; Track its flotilla.dev/track label, else "stable"; Revision its
// flotilla.dev/revision label, else that annotation, else "".
func SeriesOf(cluster string, pod *corev1.Pod) Series {
	return Series{
		Cluster:   cluster,
		Namespace: pod.Namespace,
		App:       firstOf(pod.Labels[flotillav1alpha1.LabelApplication], pod.Labels[LabelApp]),
		Track:     firstOf(pod.Labels[flotillav1alpha1.LabelTrack], flotillav1alpha1.TrackStable),
		Revision:  firstOf(pod.Labels[flotillav1alpha1.AnnotationRevision], pod.Annotations[flotillav1alpha1.AnnotationRevision]),
		Pod:       pod.Name,
	}
}

func firstOf(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
