package scheduling

import (
	"slices"
	"testing"
)

func TestApportion(t *testing.T) {
	tests := []struct {
		name    string
		total   int64
		weights []uint64
		prev    []int64
		want    []int64
	}{
		{"equal, remainder to lower index", 10, []uint64{1, 1, 1}, []int64{0, 0, 0}, []int64{4, 3, 3}},
		{"exact", 9, []uint64{2, 1}, []int64{0, 0}, []int64{6, 3}},
		{"largest remainder", 10, []uint64{5, 3, 2}, []int64{0, 0, 0}, []int64{5, 3, 2}},
		{"largest remainder wins over index", 4, []uint64{1, 2}, []int64{0, 0}, []int64{1, 3}},
		{"remainder tie: previous holder wins", 1, []uint64{1, 1, 1}, []int64{0, 0, 1}, []int64{0, 0, 1}},
		{"still valid: kept exactly", 10, []uint64{1, 1, 1}, []int64{3, 4, 3}, []int64{3, 4, 3}},
		{"scale up adds only", 12, []uint64{1, 1, 1}, []int64{4, 3, 3}, []int64{4, 4, 4}},
		{"scale up by one goes to a cluster below its share", 11, []uint64{1, 1, 1}, []int64{3, 4, 3}, []int64{4, 4, 3}},
		{"scale down removes only", 10, []uint64{1, 1, 1}, []int64{4, 4, 4}, []int64{4, 3, 3}},
		{"scale down from the cluster above its share", 11, []uint64{1, 1, 1}, []int64{3, 5, 4}, []int64{3, 4, 4}},
		{"new cluster takes its share", 10, []uint64{1, 1}, []int64{10, 0}, []int64{5, 5}},
		{"zero weight gets nothing", 7, []uint64{0, 1}, []int64{3, 0}, []int64{0, 7}},
		{"no weights", 7, []uint64{0, 0}, []int64{3, 0}, []int64{0, 0}},
		{"zero total", 0, []uint64{1, 1}, []int64{3, 0}, []int64{0, 0}},
		{"huge weights do not overflow", 2147483647, []uint64{1 << 40, 1 << 40, 1}, []int64{0, 0, 0}, []int64{1073741824, 1073741823, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := apportion(tt.total, tt.weights, tt.prev); !slices.Equal(got, tt.want) {
				t.Errorf("apportion(%d, %v, %v) = %v, want %v", tt.total, tt.weights, tt.prev, got, tt.want)
			}
		})
	}
}

// FuzzApportion checks apportion against a brute force over every rounding: the result sums to
// the total, gives each party the floor or ceiling of its exact share, and among such roundings
// moves the fewest replicas away from the previous holding.
func FuzzApportion(f *testing.F) {
	f.Add(uint8(10), []byte{1, 1, 1}, []byte{3, 4, 3})
	f.Add(uint8(12), []byte{5, 3, 2}, []byte{0, 9, 0})
	f.Add(uint8(0), []byte{0, 0}, []byte{1, 1})
	f.Fuzz(func(t *testing.T, total uint8, w, p []byte) {
		n := min(len(w), 6)
		weights := make([]uint64, n)
		prev := make([]int64, n)
		for i := range n {
			weights[i] = uint64(w[i] % 20)
			if i < len(p) {
				prev[i] = int64(p[i] % 50)
			}
		}
		tot := int64(total % 64)
		got := apportion(tot, weights, prev)
		floors, ceils, wsum := shares(tot, weights)
		if wsum == 0 || tot == 0 {
			if slices.ContainsFunc(got, func(v int64) bool { return v != 0 }) {
				t.Fatalf("apportion(%d, %v) = %v, want all zero", tot, weights, got)
			}
			return
		}
		var sum int64
		for i, v := range got {
			if v < floors[i] || v > ceils[i] {
				t.Fatalf("apportion(%d, %v, %v) = %v: part %d outside [%d, %d]", tot, weights, prev, got, i, floors[i], ceils[i])
			}
			sum += v
		}
		if sum != tot {
			t.Fatalf("apportion(%d, %v, %v) = %v sums to %d", tot, weights, prev, got, sum)
		}
		if best := minMoves(tot, floors, ceils, prev); moves(got, prev) != best {
			t.Fatalf("apportion(%d, %v, %v) = %v moves %d replicas; a valid rounding moves only %d", tot, weights, prev, got, moves(got, prev), best)
		}
	})
}

func shares(total int64, weights []uint64) (floors, ceils []int64, sum uint64) {
	for _, w := range weights {
		sum += w
	}
	floors = make([]int64, len(weights))
	ceils = make([]int64, len(weights))
	if sum == 0 {
		return floors, ceils, 0
	}
	for i, w := range weights {
		num := uint64(total) * w
		floors[i] = int64(num / sum)
		ceils[i] = floors[i]
		if num%sum != 0 {
			ceils[i]++
		}
	}
	return floors, ceils, sum
}

// minMoves enumerates every choice of floor or ceiling that sums to total.
func minMoves(total int64, floors, ceils, prev []int64) int64 {
	best := int64(-1)
	cur := make([]int64, len(floors))
	for mask := 0; mask < 1<<len(floors); mask++ {
		var sum int64
		for i := range floors {
			cur[i] = floors[i]
			if mask&(1<<i) != 0 {
				cur[i] = ceils[i]
			}
			sum += cur[i]
		}
		if sum == total {
			if m := moves(cur, prev); best < 0 || m < best {
				best = m
			}
		}
	}
	return best
}

func moves(a, b []int64) int64 {
	var m int64
	for i := range a {
		d := a[i] - b[i]
		m += max(d, -d)
	}
	return m
}
