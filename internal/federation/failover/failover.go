// Package failover decides, purely, when an Application's replicas leave a lost member cluster
// and when they may come back. The reconciler feeds it the fleet's health, the current placement
// and the evictions recorded in status, and the clock; it returns which clusters the scheduler
// must exclude, which lost clusters it must still treat as Ready (blips), and the new list of
// evictions.
//
// Semantics (spec.failover):
//   - a cluster lost for less than tolerationSeconds is a blip: it keeps its replicas, and the
//     scheduler sees it as Ready;
//   - when it has been lost for longer, an eviction starts: the cluster is excluded from
//     scheduling, so its replicas are placed elsewhere; its copy is deleted only once the
//     replacements are ready and the cluster can be reached again (make-before-break, see
//     Complete); at most maxEvictionsPerMinute evictions start per minute, the longest-lost first;
//   - when no other cluster fits, the scheduler places nothing and the current copies stay;
//   - failBack Automatic ends an eviction when the cluster is Ready again (it may be chosen
//     again); Never keeps it excluded while failover stays enabled and the cluster exists;
//   - without spec.failover nothing is evicted: a lost cluster keeps its replicas and its
//     placement until it returns.
package failover

import (
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// Health is the state of one member cluster as failover sees it.
type Health struct {
	// Lost is true when the cluster is unreachable or not Ready.
	Lost bool
	// LostSince is when it became lost; ignored when Lost is false.
	LostSince time.Time
}

// Input is everything one failover decision depends on.
type Input struct {
	// Policy is spec.failover; nil disables failover.
	Policy *flotillav1alpha1.FailoverPolicy
	// Now is the current time, from the injected clock.
	Now time.Time
	// Health of every member cluster the hub knows; a cluster missing here no longer exists.
	Health map[string]Health
	// Placement is the current status.clusters: the clusters holding replicas now.
	Placement []flotillav1alpha1.ClusterStatus
	// Evictions is the current status.evictions.
	Evictions []flotillav1alpha1.Eviction
}

// Decision is the outcome of Decide.
type Decision struct {
	// Exclude are the clusters the scheduler must not choose.
	Exclude map[string]bool
	// Hold are lost clusters of the current placement the scheduler must see as Ready: blips,
	// evictions waiting for the rate limit, or every lost cluster when failover is disabled.
	Hold map[string]bool
	// Evictions is the new status.evictions, sorted by cluster.
	Evictions []flotillav1alpha1.Eviction
	// Started and Ended name the evictions that began or ended in this decision, for events.
	Started, Ended []string
	// RequeueAfter, when positive, is when the decision may change with no other event
	// (a blip reaching the tolerance, or the rate limit window opening).
	RequeueAfter time.Duration
}

// Decide computes exclusions and evictions. It is pure.
func Decide(in Input) Decision {
	d := Decision{Exclude: map[string]bool{}, Hold: map[string]bool{}}
	if in.Policy == nil {
		for _, c := range in.Placement {
			if in.Health[c.Name].Lost {
				d.Hold[c.Name] = true
			}
		}
		for _, e := range in.Evictions {
			d.Ended = append(d.Ended, e.Cluster)
		}
		return d
	}
	kept := keepEvictions(in, &d)
	startEvictions(in, kept, &d)
	sort.Slice(d.Evictions, func(i, j int) bool { return d.Evictions[i].Cluster < d.Evictions[j].Cluster })
	return d
}

// keepEvictions carries over the recorded evictions that still apply.
func keepEvictions(in Input, d *Decision) map[string]bool {
	kept := map[string]bool{}
	for _, e := range in.Evictions {
		h, exists := in.Health[e.Cluster]
		if !exists || (!h.Lost && in.Policy.FailBack == flotillav1alpha1.FailBackAutomatic) {
			d.Ended = append(d.Ended, e.Cluster)
			continue
		}
		kept[e.Cluster] = true
		d.Exclude[e.Cluster] = true
		d.Evictions = append(d.Evictions, e)
	}
	return kept
}

type candidate struct {
	name     string
	replicas int32
	since    time.Time
}

// startEvictions evicts lost clusters past the tolerance, within the rate limit.
func startEvictions(in Input, kept map[string]bool, d *Decision) {
	tolerance := time.Duration(in.Policy.TolerationSeconds) * time.Second
	var due []candidate
	for _, c := range in.Placement {
		h := in.Health[c.Name]
		if !h.Lost || kept[c.Name] {
			continue
		}
		if wait := h.LostSince.Add(tolerance).Sub(in.Now); wait > 0 {
			d.Hold[c.Name] = true
			d.requeue(wait)
			continue
		}
		due = append(due, candidate{name: c.Name, replicas: c.Replicas, since: h.LostSince})
	}
	sort.Slice(due, func(i, j int) bool {
		if !due[i].since.Equal(due[j].since) {
			return due[i].since.Before(due[j].since)
		}
		return due[i].name < due[j].name
	})
	budget, reopen := rateBudget(in)
	for _, c := range due {
		if budget <= 0 {
			d.Hold[c.name] = true
			d.requeue(reopen)
			continue
		}
		budget--
		d.Exclude[c.name] = true
		d.Started = append(d.Started, c.name)
		d.Evictions = append(d.Evictions, flotillav1alpha1.Eviction{Cluster: c.name, Replicas: c.replicas, Since: metav1.NewTime(in.Now)})
	}
}

// rateBudget returns how many evictions may start now, and when the next slot opens.
func rateBudget(in Input) (int, time.Duration) {
	limit := int(max(in.Policy.MaxEvictionsPerMinute, 1))
	windowStart := in.Now.Add(-time.Minute)
	used := 0
	reopen := time.Minute
	for _, e := range in.Evictions {
		if e.Since.After(windowStart) {
			used++
			reopen = min(reopen, e.Since.Sub(windowStart))
		}
	}
	return limit - used, max(reopen, time.Second)
}

func (d *Decision) requeue(after time.Duration) {
	if d.RequeueAfter == 0 || after < d.RequeueAfter {
		d.RequeueAfter = after
	}
}

// Complete reports whether an eviction's replacements are ready: every cluster of the new
// placement other than the evicted ones has its desired replicas ready, and at least one replica
// is placed. Only then may the evicted cluster's copy be deleted (once it can be reached).
func Complete(placement []flotillav1alpha1.ClusterStatus, evicted map[string]bool) bool {
	var desired, ready int32
	for _, c := range placement {
		if evicted[c.Name] {
			continue
		}
		desired += c.Replicas
		if c.Reachable != metav1.ConditionFalse {
			ready += min(c.ReadyReplicas, c.Replicas)
		}
	}
	return desired > 0 && ready >= desired
}

// CanRemove reports whether the copies in the removing clusters may be deleted given the new
// placement: never when nothing else is placed (the last copies stay), at once when the new
// placement wants no replicas, otherwise once it is Complete.
func CanRemove(placement []flotillav1alpha1.ClusterStatus, removing map[string]bool) bool {
	var desired int32
	placed := 0
	for _, c := range placement {
		if removing[c.Name] {
			continue
		}
		placed++
		desired += c.Replicas
	}
	switch {
	case placed == 0:
		return false
	case desired == 0:
		return true
	}
	return Complete(placement, removing)
}
