package recommender

import (
	"math"
	"sort"
	"testing"
)

// sorted is a Quantiles over a sorted slice of samples (nearest rank).
type sorted []float64

func newSorted(v []float64) sorted {
	s := append(sorted(nil), v...)
	sort.Float64s(s)
	return s
}

func (s sorted) Percentile(p float64) float64 {
	if len(s) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func (s sorted) Max() float64 {
	if len(s) == 0 {
		return 0
	}
	return s[len(s)-1]
}

// dist is a Quantiles with one value for every percentile and a separate peak.
type dist struct{ p, peak float64 }

func (d dist) Percentile(float64) float64 { return d.p }
func (d dist) Max() float64               { return d.peak }

var (
	cpuReq = Key{CPU, Request}
	cpuLim = Key{CPU, Limit}
	memReq = Key{Memory, Request}
	memLim = Key{Memory, Limit}
)

const (
	mi = float64(MiB)
	gi = 1024 * MiB
)

// checkRecommend asserts the invariants of Recommend's output.
func checkRecommend(t *testing.T, in Input, out Output) {
	t.Helper()
	if len(out.Values) != len(in.Current) {
		t.Fatalf("values %v do not have the keys of current %v", out.Values, in.Current)
	}
	for k, cur := range in.Current {
		v, ok := out.Values[k]
		if !ok {
			t.Fatalf("value of %s missing", k)
		}
		if v != cur && !changeAllowed(in, k.Resource, v) {
			t.Fatalf("%s moved from %d to %d outside the bounds (min %v max %v)", k, cur, v, in.MinAllowed, in.MaxAllowed)
		}
	}
	changed := false
	for _, d := range out.Decisions {
		cur, ok := in.Current[d.Key]
		if !ok || d.Current != cur {
			t.Fatalf("decision %+v for a key not set or with a wrong current (%d)", d, cur)
		}
		if d.Recommended != d.Current && !changeAllowed(in, d.Key.Resource, d.Recommended) {
			t.Fatalf("%s recommended %d outside the bounds (min %v max %v)", d.Key, d.Recommended, in.MinAllowed, in.MaxAllowed)
		}
		if d.Change != (out.Values[d.Key] != d.Current) || (d.Change && out.Values[d.Key] != d.Recommended) {
			t.Fatalf("decision %+v does not match the value %d", d, out.Values[d.Key])
		}
		changed = changed || d.Change
		if d.Key == memLim && d.Recommended < d.Current {
			checkFloor(t, in, d.Recommended)
		}
	}
	if changed != out.Changed {
		t.Fatalf("Changed %v, decisions say %v", out.Changed, changed)
	}
	if v, ok := out.Values[memLim]; ok && v < in.Current[memLim] {
		checkFloor(t, in, v)
	}
	checkPairs(t, in, out)
}

// checkPairs asserts that no request ends above its limit, and that Guaranteed pairs stay equal.
func checkPairs(t *testing.T, in Input, out Output) {
	t.Helper()
	for _, res := range resources {
		req, lim := Key{res, Request}, Key{res, Limit}
		rq, rok := out.Values[req]
		lm, lok := out.Values[lim]
		if !rok || !lok {
			continue
		}
		bothChanged := rq != in.Current[req] && lm != in.Current[lim]
		if (in.Current[req] <= in.Current[lim] || bothChanged) && rq > lm {
			t.Fatalf("%s %d above %s %d (current %d, %d)", req, rq, lim, lm, in.Current[req], in.Current[lim])
		}
		if in.Guaranteed && in.Current[req] == in.Current[lim] && in.Current[req] > 0 && rq != lm {
			t.Fatalf("Guaranteed %s %d differs from %s %d", req, rq, lim, lm)
		}
	}
}

// changeAllowed reports whether a value of res may be moved to v: valid bounds containing v, and
// at least the unit.
func changeAllowed(in Input, res Resource, v int64) bool {
	if v < unit(res) {
		return false
	}
	lo, hasLo := in.MinAllowed[res]
	hi, hasHi := in.MaxAllowed[res]
	hasLo = hasLo && lo > 0
	if hasHi && hi < unit(res) || hasLo && hasHi && lo > hi {
		return false
	}
	return (!hasLo || v >= lo) && (!hasHi || v <= hi)
}

// checkFloor asserts that a lowered memory limit v is not below the memory floor.
func checkFloor(t *testing.T, in Input, v int64) {
	t.Helper()
	margin := in.MemoryMarginPercent
	if !(margin > 0) {
		margin = 0
	}
	floor := math.Max(in.Usage.Memory.Max(), in.Usage.CurrentMemory*(1+margin/100))
	if !(float64(v) >= floor) {
		t.Fatalf("memory limit lowered from %d to %d, below the floor %v", in.Current[memLim], v, floor)
	}
}

// checkBurst asserts the invariants of Burst's output.
func checkBurst(t *testing.T, in BurstInput, out BurstOutput) {
	t.Helper()
	if len(out.Values) != len(in.Current) {
		t.Fatalf("values %v do not have the keys of current %v", out.Values, in.Current)
	}
	raised := map[Key]bool{}
	for _, d := range out.Raised {
		if !d.Change || d.Recommended <= d.Current || d.Current != in.Current[d.Key] || out.Values[d.Key] != d.Recommended {
			t.Fatalf("raised %+v is not a raise of the current value %d to the output value %d", d, in.Current[d.Key], out.Values[d.Key])
		}
		raised[d.Key] = true
	}
	for k, cur := range in.Current {
		v, ok := out.Values[k]
		switch {
		case !ok:
			t.Fatalf("value of %s missing", k)
		case v < cur:
			t.Fatalf("burst lowered %s from %d to %d", k, cur, v)
		case v == cur:
			if raised[k] {
				t.Fatalf("%s raised but unchanged", k)
			}
			continue
		}
		if hi, ok := in.MaxAllowed[k.Resource]; ok && v > hi {
			t.Fatalf("burst raised %s from %d to %d above maxAllowed %d", k, cur, v, hi)
		}
		if v < unit(k.Resource) {
			t.Fatalf("burst set %s to %d, below the unit", k, v)
		}
		if !raised[k] {
			t.Fatalf("%s changed without a decision", k)
		}
	}
}
