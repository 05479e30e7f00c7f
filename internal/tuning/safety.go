package tuning

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/tuning/recommender"
)

// signals are what happened to the pods of a revision since they were resized to it.
type signals struct {
	pods               int
	restarts, oomKills int32
	samples, throttled int64
}

// minThrottleSamples: fewer CPU samples than this say nothing about throttling.
const minThrottleSamples = 5

// judge decides whether the signals call for reverting the change. It is pure.
func judge(sig signals, s settings) (bool, string) {
	switch {
	case sig.oomKills > s.maxOOMKills:
		return true, fmt.Sprintf("%d OOM kill(s) in %d resized pod(s) since the change (safety.maxOOMKills %d)", sig.oomKills, sig.pods, s.maxOOMKills)
	case sig.restarts > s.maxRestarts:
		return true, fmt.Sprintf("%d container restart(s) in %d resized pod(s) since the change (safety.maxRestarts %d)", sig.restarts, sig.pods, s.maxRestarts)
	case sig.samples >= minThrottleSamples && percentOf(float64(sig.throttled), float64(sig.samples)) > s.maxThrottled:
		return true, fmt.Sprintf("%d of %d CPU samples at the CPU limit since the change (safety.maxThrottledPercent %.0f)",
			sig.throttled, sig.samples, s.maxThrottled)
	}
	return false, ""
}

// signalsOf reads the pods resized to revision rev: restarts since their resize (from the
// restart count recorded on them) and OOM kills that ended after it.
func signalsOf(f *fleetView, rev int64) signals {
	var sig signals
	for _, pods := range f.pods {
		for _, ap := range pods {
			pod := ap.pod
			if podRevision(pod) != rev {
				continue
			}
			sig.pods++
			var base int32
			if _, err := fmt.Sscan(pod.Annotations[AnnotationRestarts], &base); err == nil {
				sig.restarts += max(0, restarts(pod)-base)
			}
			at, err := time.Parse(time.RFC3339Nano, pod.Annotations[AnnotationResizedAt])
			if err != nil {
				continue
			}
			for _, cs := range pod.Status.ContainerStatuses {
				if oomAfter(cs.LastTerminationState, at) || oomAfter(cs.State, at) {
					sig.oomKills++
				}
			}
		}
	}
	return sig
}

func oomAfter(st corev1.ContainerState, at time.Time) bool {
	t := st.Terminated
	return t != nil && t.Reason == "OOMKilled" && !t.FinishedAt.Time.Before(at.Truncate(time.Second))
}

// lowers says whether a revision lowered any value: only those can hurt, so only those are
// watched and reverted automatically.
func lowers(rev *flotillav1alpha1.TuningRevision) bool {
	for _, c := range rev.Containers {
		before := values(c.Before)
		for k, v := range values(c.After) {
			if b, ok := before[k]; ok && v < b {
				return true
			}
		}
	}
	return false
}

// autoRevert reverts the current revision when its pods restarted, were OOM-killed or ran at
// their CPU limit while it was observed. It reports whether it made a revision.
func (r *Reconciler) autoRevert(p *flotillav1alpha1.ResourcePolicy, f *fleetView, s settings, now time.Time) bool {
	rev := revision(p, p.Status.CurrentRevision)
	if rev == nil || rev.RevertedAt != nil || rev.Reason == ReasonAutoRevert || rev.Reason == ReasonRevert ||
		!lowers(rev) || now.After(rev.Time.Add(s.observeFor)) {
		return false
	}
	sig := signalsOf(f, rev.Revision)
	sig.samples, sig.throttled = r.tracker.throttled(policyKey(p), rev.Revision)
	bad, why := judge(sig, s)
	if !bad {
		return false
	}
	current, after := map[appContainer]corev1.ResourceRequirements{}, map[appContainer]corev1.ResourceRequirements{}
	for _, c := range rev.Containers {
		k := appContainer{c.Application, c.Container}
		current[k], after[k] = c.After, c.Before
	}
	rev.RevertedAt = &metav1.Time{Time: now}
	n := rev.Revision
	r.newRevision(p, current, after, ReasonAutoRevert, ControllerActor, fmt.Sprintf("reverts revision %d: %s", n, why), now)
	p.Status.HoldUntil = &metav1.Time{Time: now.Add(s.hold)}
	return true
}

// burst raises the limits of the containers the sampler saw near them (Auto mode only). It
// reports whether it made a revision; the pods that asked go first.
func (r *Reconciler) burst(p *flotillav1alpha1.ResourcePolicy, f *fleetView, s settings,
	current map[appContainer]corev1.ResourceRequirements, priority map[string]bool, now time.Time) bool {
	reqs := r.tracker.takeBursts(policyKey(p))
	if len(reqs) == 0 || s.burst == nil || p.Spec.Mode != flotillav1alpha1.TuningAuto {
		return false
	}
	after := map[appContainer]corev1.ResourceRequirements{}
	var msgs []string
	for _, req := range reqs {
		cp := containerPolicy(&p.Spec, req.key.container)
		cur, ok := current[req.key]
		if cp == nil || !ok {
			continue
		}
		if a, ok := after[req.key]; ok {
			cur = a
		}
		cpu := -1.0
		if req.reading.HasCPU {
			cpu = req.reading.CPUCores
		}
		mem := 0.0
		if req.reading.HasMemory {
			mem = req.reading.MemoryBytes
		}
		out := recommender.Burst(recommender.BurstInput{Current: values(cur), MaxAllowed: bounds(cp.MaxAllowed),
			MemoryBytes: mem, CPUCores: cpu, MemoryThresholdPercent: s.burst.memory, CPUThresholdPercent: s.burst.cpu,
			StepPercent: s.burst.step, Guaranteed: guaranteed(cur)})
		if len(out.Raised) == 0 {
			if out.Blocked != "" {
				r.Events.Eventf(p, nil, corev1.EventTypeWarning, "BurstBlocked", "Burst", "%s in %s/%s: %s", req.key, req.cluster, req.pod, out.Blocked)
			}
			continue
		}
		after[req.key] = withValues(cur, out.Values)
		priority[req.cluster+"/"+req.pod] = true
		for _, d := range out.Raised {
			msgs = append(msgs, fmt.Sprintf("%s %s (pod %s in %s): %s", req.key, d.Key, req.pod, req.cluster, d.Reason))
		}
	}
	if len(after) == 0 {
		return false
	}
	r.newRevision(p, current, after, ReasonBurst, ControllerActor, strings.Join(msgs, "; "), now)
	return true
}
