package analysis

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/platform/podstatus"
)

// ClusterPod is a canary pod and the cluster it runs in.
type ClusterPod struct {
	Cluster string
	Pod     corev1.Pod
}

// Canary is what the member clusters report of the canary: its pods and, per cluster, why the
// canary Deployment cannot create pods (its ReplicaFailure condition), if it cannot.
type Canary struct {
	Pods           []ClusterPod
	CreateFailures map[string]string
}

// PodLister lists the canary pods of a target.
type PodLister interface {
	CanaryPods(ctx context.Context, t Target) (Canary, error)
}

// PodHealth judges canary pods: the measurement fails when a container crash-loops, restarts
// more than maxRestarts times in total, a pod stays unready past readyTimeout, or a cluster
// cannot create canary pods. No canary pod at all is inconclusive. The value is the number of
// unhealthy pods.
func PodHealth(spec *flotillav1alpha1.KubernetesHealthMetric, c Canary, now time.Time) flotillav1alpha1.MetricResult {
	maxRestarts := int32(0)
	if spec.MaxRestarts != nil {
		maxRestarts = *spec.MaxRestarts
	}
	readyTimeout := DefaultReadyTimeout
	if spec.ReadyTimeout != nil && spec.ReadyTimeout.Duration > 0 {
		readyTimeout = spec.ReadyTimeout.Duration
	}
	var problems []string
	unhealthy, restarts := 0, int32(0)
	for _, cluster := range slices.Sorted(maps.Keys(c.CreateFailures)) {
		problems = append(problems, fmt.Sprintf("%s: cannot create canary pods: %s", cluster, c.CreateFailures[cluster]))
	}
	for _, cp := range c.Pods {
		p := &cp.Pod
		if p.DeletionTimestamp != nil {
			continue
		}
		why := ""
		for _, cs := range p.Status.ContainerStatuses {
			restarts += cs.RestartCount
			if cs.State.Waiting != nil && cs.State.Waiting.Reason == podstatus.CrashLoopReason {
				why = fmt.Sprintf("container %s is in CrashLoopBackOff (%d restarts)", cs.Name, cs.RestartCount)
			}
			if t := cs.LastTerminationState.Terminated; why == "" && t != nil && t.ExitCode != 0 && cs.RestartCount > maxRestarts {
				why = fmt.Sprintf("container %s exited with code %d (%d restarts)", cs.Name, t.ExitCode, cs.RestartCount)
			}
		}
		if why == "" && !podstatus.Ready(p) && now.Sub(p.CreationTimestamp.Time) > readyTimeout {
			why = fmt.Sprintf("not ready %s after it was created", now.Sub(p.CreationTimestamp.Time).Round(time.Second))
		}
		if why != "" {
			unhealthy++
			problems = append(problems, fmt.Sprintf("%s pod %s: %s", cp.Cluster, p.Name, why))
		}
	}
	if restarts > maxRestarts && unhealthy == 0 {
		problems = append(problems, fmt.Sprintf("canary containers restarted %d times (maxRestarts %d)", restarts, maxRestarts))
	}
	v := float64(unhealthy)
	r := flotillav1alpha1.MetricResult{Phase: flotillav1alpha1.MeasurementSuccessful, Value: format(&v)}
	switch {
	case len(problems) > 0:
		if len(problems) > 3 {
			problems = append(problems[:3], fmt.Sprintf("and %d more", len(problems)-3))
		}
		r.Phase, r.Message = flotillav1alpha1.MeasurementFailed, fmt.Sprintf("%d of %d canary pods unhealthy: %s", unhealthy, len(c.Pods), strings.Join(problems, "; "))
	case len(c.Pods) == 0:
		r.Phase, r.Value, r.Message = flotillav1alpha1.MeasurementInconclusive, "", "no canary pods yet"
	default:
		r.Message = fmt.Sprintf("%d canary pods healthy", len(c.Pods))
	}
	return r
}
