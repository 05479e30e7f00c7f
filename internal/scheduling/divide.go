package scheduling

import (
	"math"
	"math/bits"
	"slices"
)

// apportion divides total in proportion to weights (index-aligned with prev, the replicas each
// party holds now) by the largest-remainder method, preferring the current holding.
//
// Every party gets the floor or, when its exact share is fractional, the ceiling of its exact
// share total*weight/sum(weights), and the parts sum to total. Which parties round up is chosen,
// in order, by: already holding at least the ceiling (so a still-valid division is kept
// exactly and a change of the total moves as few replicas as possible), larger remainder,
// larger current holding, lower index (callers order parties by name). A zero weight gets zero.
// With no weight at all, everyone gets zero.
func apportion(total int64, weights []uint64, prev []int64) []int64 {
	out := make([]int64, len(weights))
	var sum uint64
	for _, w := range weights {
		sum += w
	}
	if sum == 0 || total <= 0 {
		return out
	}
	rems := make([]uint64, len(weights))
	var assigned int64
	for i, w := range weights {
		hi, lo := bits.Mul64(uint64(total), w)
		q, r := bits.Div64(hi, lo, sum) // hi < sum because total*w/sum <= total.
		if q > math.MaxInt32 {
			q = math.MaxInt32 // unreachable: a share never exceeds the total, an int32
		}
		out[i], rems[i] = int64(q), r
		assigned += int64(q)
	}
	extra := total - assigned
	if extra == 0 {
		return out
	}
	order := make([]int, 0, len(weights))
	for i := range weights {
		if rems[i] > 0 {
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(a, b int) int {
		return compareRoundUp(a, b, out, rems, prev)
	})
	for _, i := range order[:extra] {
		out[i]++
	}
	return out
}

// compareRoundUp orders parties for rounding up: those already at the ceiling first, then by
// larger remainder, larger current holding, lower index.
func compareRoundUp(a, b int, floor []int64, rems []uint64, prev []int64) int {
	atCeilA, atCeilB := prev[a] > floor[a], prev[b] > floor[b]
	switch {
	case atCeilA != atCeilB:
		if atCeilA {
			return -1
		}
		return 1
	case rems[a] != rems[b]:
		if rems[a] > rems[b] {
			return -1
		}
		return 1
	case prev[a] != prev[b]:
		if prev[a] > prev[b] {
			return -1
		}
		return 1
	}
	return a - b
}
