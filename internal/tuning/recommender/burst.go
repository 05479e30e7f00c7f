package recommender

import (
	"fmt"
	"math"
	"strings"
)

// BurstInput is everything Burst needs for one container.
type BurstInput struct {
	// Current holds the container's current values; a key absent here is not set.
	Current map[Key]int64
	// MaxAllowed is the upper bound of a resource; absent means none.
	MaxAllowed map[Resource]int64
	// MemoryBytes is the latest working set of the container in the pod that triggered, in
	// bytes; not positive means unknown.
	MemoryBytes float64
	// CPUCores is the latest CPU rate of the container, in cores; negative means unknown.
	CPUCores float64
	// MemoryThresholdPercent: act when the working set is at least this percentage of the
	// memory limit (e.g. 90); not positive disables the memory burst.
	MemoryThresholdPercent float64
	// CPUThresholdPercent: act when the CPU rate is at least this percentage of the CPU limit;
	// not positive disables the CPU burst.
	CPUThresholdPercent float64
	// StepPercent is how much to raise: the new limit is
	// max(limit, usage) × (1 + StepPercent/100), rounded up (CPU to 1m, memory to 1Mi) and capped
	// at MaxAllowed. It must be positive.
	StepPercent float64
	// Guaranteed raises the request with the limit (QoS Guaranteed keeps them equal).
	Guaranteed bool
}

// BurstOutput is the result of Burst.
type BurstOutput struct {
	// Values holds the resulting values of every key in BurstInput.Current.
	Values map[Key]int64
	// Raised lists the raised values; empty when there is nothing to do.
	Raised []Decision
	// Blocked says why a limit that needs raising cannot be, such as "memory limit already at
	// maxAllowed 1Gi"; empty otherwise.
	Blocked string
}

// Burst is the fast path of tuning: a container whose memory working set is near its memory
// limit, or whose CPU rate is near its CPU limit (it is throttled), gets that limit raised now
// instead of waiting for the long-window recommendation. Burst never lowers a value and never
// raises one above MaxAllowed.
func Burst(in BurstInput) BurstOutput {
	out := BurstOutput{Values: copyValues(in.Current)}
	var blocked []string
	for _, res := range [...]Resource{Memory, CPU} {
		raised, why := burst(in, res)
		if why != "" {
			blocked = append(blocked, why)
		}
		for _, d := range raised {
			out.Values[d.Key] = d.Recommended
			out.Raised = append(out.Raised, d)
		}
	}
	out.Blocked = strings.Join(blocked, "; ")
	return out
}

// burst decides the burst of one resource: the raised values, or why the limit cannot be
// raised.
func burst(in BurstInput, res Resource) ([]Decision, string) {
	lim := Key{res, Limit}
	cur, ok := in.Current[lim]
	if !ok || cur <= 0 {
		return nil, ""
	}
	// usage in the resource's unit: bytes, or millicores.
	usage, threshold, what := in.MemoryBytes, in.MemoryThresholdPercent, "memory working set "+formatUsage(Memory, in.MemoryBytes)
	if res == CPU {
		usage, threshold, what = in.CPUCores*1000, in.CPUThresholdPercent, "cpu rate "+formatUsage(CPU, in.CPUCores)
	}
	if !finite(usage) || usage <= 0 || !(threshold > 0) {
		return nil, ""
	}
	percent := usage / float64(cur) * 100
	if percent < threshold {
		return nil, ""
	}
	step := in.StepPercent
	if !(step > 0) || math.IsInf(step, 1) {
		return nil, fmt.Sprintf("%s not raised at %s%% usage: stepPercent %v is not a positive number", lim, trimFloat(percent, 0), step)
	}
	f := math.Max(float64(cur), usage) * (1 + step/100)
	var target int64
	if res == Memory {
		target = max(ceilMiB(f), MiB)
	} else {
		target = max(ceilInt(f), 1)
	}
	v := target
	maxAllowed, hasMax := in.MaxAllowed[res]
	switch {
	case hasMax && maxAllowed < unit(res):
		return nil, fmt.Sprintf("%s not raised: maxAllowed %s is below %s", lim, format(res, maxAllowed), format(res, unit(res)))
	case hasMax && cur == maxAllowed:
		return nil, fmt.Sprintf("%s already at maxAllowed %s", lim, format(res, maxAllowed))
	case hasMax && cur > maxAllowed:
		return nil, fmt.Sprintf("%s %s already above maxAllowed %s", lim, format(res, cur), format(res, maxAllowed))
	case hasMax && v > maxAllowed:
		v = maxAllowed
	}
	if v <= cur {
		return nil, fmt.Sprintf("%s %s cannot be raised further", lim, format(res, cur))
	}
	reason := fmt.Sprintf("%s is %s%% of the %s %s (threshold %s%%): +%s%% = %s", what, trimFloat(percent, 0), lim,
		format(res, cur), formatPercent(threshold), formatPercent(step), format(res, target))
	if v < target {
		reason += "; capped at maxAllowed: " + format(res, v)
	}
	raised := []Decision{{Key: lim, Current: cur, Target: target, Recommended: v, Reason: reason, Change: true}}
	req := Key{res, Request}
	if rc, ok := in.Current[req]; in.Guaranteed && ok && rc > 0 && rc < v {
		raised = append(raised, Decision{Key: req, Current: rc, Target: target, Recommended: v, Change: true,
			Reason: fmt.Sprintf("raised with the %s (Guaranteed): %s", lim, format(res, v))})
	}
	return raised, ""
}
