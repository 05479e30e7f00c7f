// Package freeze keeps ChangeFreeze status: it evaluates each freeze's fleet-wide health signal
// (the share of new pods that become ready in every member, or a PromQL query) at an interval
// and freezes at once when it degrades; the freeze lifts once the signal has been healthy for
// recoverAfter. Rollouts read the status (package planner) and hold while frozen.
//
// Judging is pure (PodCreation, Judge, Next); the reconciler lists pods and queries Prometheus.
package freeze

import (
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/platform/podstatus"
)

// Defaults of a ChangeFreeze.
const (
	DefaultInterval     = 5 * time.Second
	DefaultRecoverAfter = 30 * time.Second
	defaultMinPercent   = 90
	defaultWindow       = 5 * time.Minute
	defaultReadyTimeout = 30 * time.Second
	defaultMinPods      = 5
)

// Sample is one evaluation of a signal.
type Sample struct {
	// Known is false when the signal has no value (too few pods, no data): the state stays.
	Known    bool
	Degraded bool
	Value    string
	Message  string
}

// PodCreation judges the pods of every member created within the window: a pod that is ready
// succeeded; one that crash-loops, or is not ready readyTimeout after creation, failed; younger
// unready pods are not counted yet.
func PodCreation(spec *flotillav1alpha1.PodCreationSignal, pods []corev1.Pod, now time.Time) Sample {
	minPercent, window, readyTimeout, minPods := int32(defaultMinPercent), defaultWindow, defaultReadyTimeout, int32(defaultMinPods)
	if spec.MinSuccessPercent != nil {
		minPercent = *spec.MinSuccessPercent
	}
	if spec.Window != nil && spec.Window.Duration > 0 {
		window = spec.Window.Duration
	}
	if spec.ReadyTimeout != nil && spec.ReadyTimeout.Duration > 0 {
		readyTimeout = spec.ReadyTimeout.Duration
	}
	if spec.MinPods != nil {
		minPods = *spec.MinPods
	}
	ok, failed := 0, 0
	for i := range pods {
		p := &pods[i]
		age := now.Sub(p.CreationTimestamp.Time)
		if age > window || p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodSucceeded {
			continue
		}
		switch {
		case podstatus.Ready(p):
			ok++
		case podstatus.CrashLooping(p) || age > readyTimeout || p.Status.Phase == corev1.PodFailed:
			failed++
		}
	}
	total := ok + failed
	if total < int(minPods) {
		return Sample{Message: fmt.Sprintf("%d new pods in the last %s; the signal judges from %d", total, window, minPods)}
	}
	percent := 100 * ok / total
	s := Sample{Known: true, Value: strconv.Itoa(percent) + "%",
		Message: fmt.Sprintf("%d of %d pods created in the last %s became ready (%d%%, minimum %d%%)", ok, total, window, percent, minPercent)}
	s.Degraded = percent < int(minPercent)
	return s
}

// Judge compares a PromQL value with the freeze query's bounds; nil is no data.
func Judge(q *flotillav1alpha1.FreezeQuery, v *float64) Sample {
	if v == nil {
		return Sample{Message: "the query returned no data"}
	}
	s := Sample{Known: true, Value: strconv.FormatFloat(*v, 'g', 6, 64)}
	if q.Max != nil {
		if limit, err := strconv.ParseFloat(*q.Max, 64); err == nil && *v > limit {
			s.Degraded, s.Message = true, fmt.Sprintf("%s > max %s", s.Value, *q.Max)
		}
	}
	if q.Min != nil {
		if limit, err := strconv.ParseFloat(*q.Min, 64); err == nil && *v < limit {
			s.Degraded, s.Message = true, fmt.Sprintf("%s < min %s", s.Value, *q.Min)
		}
	}
	if !s.Degraded {
		s.Message = "query value " + s.Value + " is healthy"
	}
	return s
}

// Next folds a sample into the status: frozen at once when degraded (or frozen by hand), lifted
// once healthy for recoverAfter.
func Next(spec *flotillav1alpha1.ChangeFreezeSpec, prev flotillav1alpha1.ChangeFreezeStatus, s Sample, now time.Time) flotillav1alpha1.ChangeFreezeStatus {
	recoverAfter := DefaultRecoverAfter
	if spec.RecoverAfter != nil && spec.RecoverAfter.Duration >= 0 {
		recoverAfter = spec.RecoverAfter.Duration
	}
	st := *prev.DeepCopy()
	at := metav1.NewTime(now)
	st.EvaluatedAt = &at
	if s.Known {
		st.Value = s.Value
	}
	st.Message = s.Message
	switch {
	case spec.Frozen:
		if !st.Frozen {
			st.Frozen, st.Since = true, &at
		}
		st.HealthySince, st.Message = nil, "frozen by hand (spec.frozen)"
	case s.Known && s.Degraded:
		if !st.Frozen {
			st.Frozen, st.Since = true, &at
		}
		st.HealthySince = nil
	case st.Frozen && s.Known:
		if st.HealthySince == nil {
			st.HealthySince = &at
		}
		if now.Sub(st.HealthySince.Time) >= recoverAfter {
			st.Frozen, st.Since, st.HealthySince = false, &at, nil
		} else {
			st.Message = fmt.Sprintf("%s; lifting the freeze after %s healthy", s.Message, recoverAfter)
		}
	}
	return st
}
