// Package podstatus reads what a pod's status says about its health, the same way for every
// capability that judges pods (rollout analysis, the change-freeze signal).
package podstatus

import corev1 "k8s.io/api/core/v1"

// Ready says whether the pod's Ready condition is True.
func Ready(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// CrashLoopReason is the waiting reason of a container the kubelet is backing off restarting.
const CrashLoopReason = "CrashLoopBackOff"

// CrashLooping says whether any container of the pod waits in CrashLoopBackOff.
func CrashLooping(p *corev1.Pod) bool {
	for _, c := range p.Status.ContainerStatuses {
		if c.State.Waiting != nil && c.State.Waiting.Reason == CrashLoopReason {
			return true
		}
	}
	return false
}
