package recommender

import (
	"fmt"
	"math"
	"strings"
)

// Resource is a container resource the recommender tunes.
type Resource string

// The tuned resources: CPU in millicores, memory in bytes.
const (
	CPU    Resource = "cpu"
	Memory Resource = "memory"
)

// Field says whether a value is a container's request or its limit.
type Field string

// The fields of a container's resources.
const (
	Request Field = "request"
	Limit   Field = "limit"
)

// Key names one value of a container's resources, such as its memory limit.
type Key struct {
	Resource Resource
	Field    Field
}

// String returns the key as text, such as "memory limit".
func (k Key) String() string { return string(k.Resource) + " " + string(k.Field) }

// resources lists the tuned resources in the order decisions are made and reported.
var resources = [...]Resource{CPU, Memory}

// keyOrder is the order of decisions in an Output.
var keyOrder = [...]Key{{CPU, Request}, {CPU, Limit}, {Memory, Request}, {Memory, Limit}}

// Target asks to set Key to the Percentile (0 to 100; 100 is the peak) of the usage over the
// profile window, plus MarginPercent of it.
type Target struct {
	Key           Key
	Percentile    float64
	MarginPercent float64
}

// Quantiles is a usage distribution: Percentile(p) for p in [0, 100), and the peak.
type Quantiles interface {
	Percentile(p float64) float64
	Max() float64
}

// Usage is the profile the profiler measured for one container, aggregated over the workload's
// pods.
type Usage struct {
	// Samples is the number of samples behind the quantiles.
	Samples int64
	// CPU is the distribution of the CPU rate in cores; Memory that of the working set in bytes.
	CPU, Memory Quantiles
	// CurrentMemory is the highest current working set among the pods, in bytes.
	CurrentMemory float64
}

// Input is everything Recommend needs for one container.
type Input struct {
	// Targets are the policy's targets; the first target for a key wins.
	Targets []Target
	// Current holds the container's current values; a key absent here is not set on the
	// container.
	Current map[Key]int64
	// MinAllowed is the lower bound of a resource, for its request and its limit; absent (or not
	// positive) means none.
	MinAllowed map[Resource]int64
	// MaxAllowed is the upper bound of a resource; absent means none.
	MaxAllowed map[Resource]int64
	// Usage is the measured profile.
	Usage Usage
	// MinSamples is the number of samples below which nothing is recommended.
	MinSamples int64
	// MaxStepPercent is the largest change per step, up or down, as a percentage of the current
	// value; 0 means unlimited.
	MaxStepPercent float64
	// MinChangePercent is the hysteresis: a change smaller than this percentage of the current
	// value is not made.
	MinChangePercent float64
	// MemoryMarginPercent is the safety margin over the current working set below which a memory
	// limit is never lowered (negative values count as 0).
	MemoryMarginPercent float64
	// Guaranteed says the container has request == limit for every resource (QoS Guaranteed);
	// they are kept equal.
	Guaranteed bool
}

// Decision is what Recommend decided for one key.
type Decision struct {
	Key Key
	// Current is the current value.
	Current int64
	// Target is the raw target before the step limit, the bounds and the memory safety; for a
	// request that only follows its limit (a request above its limit, or a Guaranteed pair), the
	// value or target it follows.
	Target int64
	// Recommended is the final value, after the step limit, the bounds, the memory safety and
	// the request/limit rule. It may differ from Current when the hysteresis holds the change.
	Recommended int64
	// Reason explains the decision with its inputs, for events and status.
	Reason string
	// Change is true when Recommended differs from Current and passes the hysteresis: the value
	// is to be applied.
	Change bool
}

// Output is the result of Recommend.
type Output struct {
	// Decisions has one entry per key decided, in the order cpu request, cpu limit, memory
	// request, memory limit.
	Decisions []Decision
	// Changed is true when at least one decision is a change.
	Changed bool
	// Values holds the resulting values of every key in Input.Current: the recommended value
	// where there is a change, the current value elsewhere.
	Values map[Key]int64
	// Notes are the things worth telling that are not decisions: skipped targets, a memory peak
	// above maxAllowed, a request lowered to its limit.
	Notes []string
}

// Recommend computes a container's new requests and limits from its usage profile, following
// the rules in the package documentation. It is pure and never panics on odd inputs: invalid
// targets, bounds or usage are skipped with a note.
func Recommend(in Input) Output {
	out := Output{Values: copyValues(in.Current)}
	if in.Usage.Samples < in.MinSamples {
		out.Notes = append(out.Notes, fmt.Sprintf("not enough data: %d of %d samples", in.Usage.Samples, in.MinSamples))
		return out
	}
	r := &run{in: in, values: out.Values, decisions: map[Key]*Decision{}, guaranteed: map[Resource]bool{}, noted: map[string]bool{}}
	plan := r.plan()
	for _, k := range keyOrder {
		if t, ok := plan[k]; ok {
			r.decide(k, t)
		}
	}
	for _, res := range resources {
		r.pair(res)
	}
	for _, k := range keyOrder {
		if d := r.decisions[k]; d != nil {
			out.Decisions = append(out.Decisions, *d)
			out.Changed = out.Changed || d.Change
		}
	}
	out.Notes = r.notes
	return out
}

// copyValues returns a copy of m (never nil).
func copyValues(m map[Key]int64) map[Key]int64 {
	c := make(map[Key]int64, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// run is the state of one Recommend call.
type run struct {
	in         Input
	values     map[Key]int64
	decisions  map[Key]*Decision
	guaranteed map[Resource]bool
	notes      []string
	noted      map[string]bool
}

// note adds a note once.
func (r *run) note(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if !r.noted[s] {
		r.noted[s] = true
		r.notes = append(r.notes, s)
	}
}

// bounds is the [min, max] range of a resource.
type bounds struct {
	min, max       int64
	hasMin, hasMax bool
}

// contains reports whether v is within the bounds.
func (b bounds) contains(v int64) bool {
	return (!b.hasMin || v >= b.min) && (!b.hasMax || v <= b.max)
}

// bounds returns the bounds of a resource, and false (with a note) when they cannot be met.
func (r *run) bounds(res Resource) (bounds, bool) {
	var b bounds
	b.min, b.hasMin = r.in.MinAllowed[res]
	b.hasMin = b.hasMin && b.min > 0
	b.max, b.hasMax = r.in.MaxAllowed[res]
	switch {
	case b.hasMax && b.max < unit(res):
		r.note("maxAllowed %s of %s is below %s: %s not tuned", format(res, b.max), res, format(res, unit(res)), res)
		return b, false
	case b.hasMin && b.hasMax && b.min > b.max:
		r.note("minAllowed %s of %s is above maxAllowed %s: %s not tuned", format(res, b.min), res, format(res, b.max), res)
		return b, false
	}
	return b, true
}

// quantiles returns the usage distribution of a resource.
func (r *run) quantiles(res Resource) Quantiles {
	if res == Memory {
		return r.in.Usage.Memory
	}
	return r.in.Usage.CPU
}

// plan validates the targets and returns the target to compute for each key: the first valid
// target of each key, and for a Guaranteed pair only the limit, from the limit's target or else
// the request's.
func (r *run) plan() map[Key]Target {
	plan := map[Key]Target{}
	for _, t := range r.in.Targets {
		if !r.valid(t) {
			continue
		}
		if _, dup := plan[t.Key]; dup {
			r.note("more than one target for the %s: the first one is used", t.Key)
			continue
		}
		plan[t.Key] = t
	}
	if !r.in.Guaranteed {
		return plan
	}
	for _, res := range resources {
		req, lim := Key{res, Request}, Key{res, Limit}
		rc, rok := r.in.Current[req]
		lc, lok := r.in.Current[lim]
		if !rok || !lok || rc <= 0 || lc <= 0 {
			continue
		}
		if rc != lc {
			r.note("the %s %s differs from the limit %s on a Guaranteed container: they are tuned separately", req, format(res, rc), format(res, lc))
			continue
		}
		r.guaranteed[res] = true
		if t, ok := plan[req]; ok {
			if _, ok := plan[lim]; !ok {
				plan[lim] = t
			}
			delete(plan, req)
		}
	}
	return plan
}

// valid reports whether a target can be computed, noting why not.
func (r *run) valid(t Target) bool {
	k := t.Key
	if (k.Resource != CPU && k.Resource != Memory) || (k.Field != Request && k.Field != Limit) {
		r.note("target for unknown %q skipped", k.String())
		return false
	}
	cur, set := r.in.Current[k]
	switch {
	case !set:
		r.note("the container does not set its %s: target skipped", k)
		return false
	case cur <= 0:
		r.note("the container sets its %s to %s: target skipped", k, format(k.Resource, cur))
		return false
	case !(t.Percentile >= 0 && t.Percentile <= 100):
		r.note("target percentile %v for the %s is not within [0, 100]: target skipped", t.Percentile, k)
		return false
	case !finite(t.MarginPercent):
		r.note("target margin %v%% for the %s is not a number: target skipped", t.MarginPercent, k)
		return false
	case r.quantiles(k.Resource) == nil:
		r.note("no %s usage profile: target for the %s skipped", k.Resource, k)
		return false
	}
	_, ok := r.bounds(k.Resource)
	return ok
}

// decide computes the decision for key k from target t (rules 1, 3, 4, 5 and 7).
func (r *run) decide(k Key, t Target) {
	res := k.Resource
	cur := r.in.Current[k]
	var why strings.Builder
	if t.Key != k {
		fmt.Fprintf(&why, "target of the %s (Guaranteed): ", t.Key)
	}
	raw, ok := r.raw(res, t, &why)
	if !ok {
		return
	}
	v := r.step(res, cur, raw, &why)
	b, _ := r.bounds(res)
	switch {
	case b.hasMin && v < b.min:
		v = b.min
		fmt.Fprintf(&why, "; raised to minAllowed: %s", format(res, v))
	case b.hasMax && v > b.max:
		v = b.max
		fmt.Fprintf(&why, "; lowered to maxAllowed: %s", format(res, v))
	}
	if k == (Key{Memory, Limit}) {
		v = r.memoryFloor(cur, v, b, &why)
	}
	d := &Decision{Key: k, Current: cur, Target: raw, Recommended: v}
	switch {
	case v == cur:
		why.WriteString("; no change")
	case changePercent(cur, v) < r.in.MinChangePercent:
		fmt.Fprintf(&why, "; a change of %s%% is below the %s%% minimum: kept at %s",
			formatPercent(changePercent(cur, v)), formatPercent(r.in.MinChangePercent), format(res, cur))
	default:
		d.Change = true
		r.values[k] = v
	}
	d.Reason = why.String()
	r.decisions[k] = d
}

// changePercent is |v − cur| as a percentage of cur (cur > 0).
func changePercent(cur, v int64) float64 {
	return math.Abs(float64(v)-float64(cur)) / float64(cur) * 100
}

// raw computes a target's raw value (rule 1), writing how into why; false (with a note) when the
// usage is not a number.
func (r *run) raw(res Resource, t Target, why *strings.Builder) (int64, bool) {
	q := r.quantiles(res)
	label := "P" + formatPercent(t.Percentile)
	var u float64
	if t.Percentile >= 100 {
		label = "peak"
		u = q.Max()
	} else {
		u = q.Percentile(t.Percentile)
	}
	if !finite(u) {
		r.note("the %s of %s usage is %v: target for the %s skipped", label, res, u, t.Key)
		return 0, false
	}
	u = max(u, 0)
	raw := roundUp(res, u*(1+t.MarginPercent/100))
	fmt.Fprintf(why, "%s of %s %s", label, res, formatUsage(res, u))
	if t.MarginPercent > 0 {
		fmt.Fprintf(why, " +%s%%", formatPercent(t.MarginPercent))
	} else if t.MarginPercent < 0 {
		fmt.Fprintf(why, " %s%%", formatPercent(t.MarginPercent))
	}
	fmt.Fprintf(why, " = %s", format(res, raw))
	return raw, true
}

// step applies the step limit (rule 3).
func (r *run) step(res Resource, cur, v int64, why *strings.Builder) int64 {
	s := r.in.MaxStepPercent
	if !(s > 0) || math.IsInf(s, 1) {
		return v
	}
	lo, hi := stepBounds(res, cur, s)
	switch {
	case v > hi:
		fmt.Fprintf(why, "; limited to +%s%% per step: %s", formatPercent(s), format(res, hi))
		return hi
	case v < lo:
		fmt.Fprintf(why, "; limited to -%s%% per step: %s", formatPercent(s), format(res, lo))
		return lo
	}
	return v
}

// stepBounds returns the range a value may move to in one step of at most stepPercent from
// cur. Memory bounds are rounded to a whole MiB towards cur when that keeps a move. The range
// always contains cur.
func stepBounds(res Resource, cur int64, stepPercent float64) (lo, hi int64) {
	s := stepPercent / 100
	hi = floorInt(float64(cur) * (1 + s))
	lo = ceilInt(float64(cur) * (1 - s))
	if res == Memory {
		if a := hi / MiB * MiB; a > cur {
			hi = a
		}
		if lo > 0 && lo < maxMiBs*MiB {
			if a := (lo + MiB - 1) / MiB * MiB; a < cur {
				lo = a
			}
		}
	}
	// float64 cannot hold every int64: never let the rounding move the range off cur.
	return min(lo, cur), max(hi, cur)
}

// memoryFloor applies the memory safety rule (rule 5) to a memory limit moving from cur to v
// within bounds b.
func (r *run) memoryFloor(cur, v int64, b bounds, why *strings.Builder) int64 {
	peak := r.in.Usage.Memory.Max()
	margin := r.in.MemoryMarginPercent
	if !(margin > 0) {
		margin = 0
	}
	working := r.in.Usage.CurrentMemory * (1 + margin/100)
	f := math.Max(peak, working)
	if math.IsNaN(f) || f > float64(maxMiBs*MiB) {
		// Unknown, or too large for an int64: no lowering is safe.
		if v < cur {
			r.note("the memory peak (%v) or working set (%v) is not a usable number: the memory limit is not lowered", peak, r.in.Usage.CurrentMemory)
			fmt.Fprintf(why, "; kept at %s: the memory floor is unknown", format(Memory, cur))
			return cur
		}
		return v
	}
	floor := ceilMiB(f)
	if b.hasMax && floor > b.max {
		r.note("memory peak %s is above maxAllowed %s", format(Memory, floor), format(Memory, b.max))
		if v < cur {
			fmt.Fprintf(why, "; kept at %s: the memory floor %s is above maxAllowed", format(Memory, cur), format(Memory, floor))
			return cur
		}
		return v
	}
	if v >= cur || v >= floor {
		return v
	}
	nv := min(floor, cur)
	fmt.Fprintf(why, "; never below the memory floor %s (peak %s, working set %s +%s%%): %s",
		format(Memory, floor), formatUsage(Memory, peak), formatUsage(Memory, r.in.Usage.CurrentMemory), formatPercent(margin), format(Memory, nv))
	return nv
}

// pair applies the request/limit rule (rule 6) to a resource once every target is decided.
func (r *run) pair(res Resource) {
	req, lim := Key{res, Request}, Key{res, Limit}
	rv, rok := r.values[req]
	lv, lok := r.values[lim]
	if !rok || !lok {
		return
	}
	if r.guaranteed[res] {
		ld := r.decisions[lim]
		if ld == nil {
			return
		}
		r.decisions[req] = &Decision{Key: req, Current: r.in.Current[req], Target: ld.Target, Recommended: ld.Recommended,
			Change: ld.Change, Reason: fmt.Sprintf("equal to the %s (Guaranteed): %s", lim, ld.Reason)}
		r.values[req] = lv
		return
	}
	if rv <= lv {
		return
	}
	rc := r.in.Current[req]
	d := r.decisions[req]
	b, ok := r.bounds(res)
	if !ok || !b.contains(lv) || lv < unit(res) {
		// Only when the input already has the request above a limit outside the bounds.
		r.values[req] = rc
		if d != nil {
			d.Recommended, d.Change = rc, false
			d.Reason += fmt.Sprintf("; kept at %s: the %s %s is outside the bounds", format(res, rc), lim, format(res, lv))
		}
		r.note("the %s %s stays above the %s %s: the limit is outside the bounds", req, format(res, rc), lim, format(res, lv))
		return
	}
	if d == nil {
		d = &Decision{Key: req, Current: rc, Target: lv, Reason: fmt.Sprintf("the %s %s is above the %s", req, format(res, rv), lim)}
		r.decisions[req] = d
	}
	d.Reason += fmt.Sprintf("; lowered to the %s: %s", lim, format(res, lv))
	d.Recommended, d.Change = lv, lv != rc
	r.values[req] = lv
	r.note("the %s is lowered to the %s %s", req, lim, format(res, lv))
}
