package recommender

import (
	"math"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

// MiB is the granularity of memory recommendations, in bytes.
const MiB int64 = 1 << 20

// maxFloat is float64(math.MaxInt64), 2^63: the first float64 that does not fit an int64.
const maxFloat = float64(math.MaxInt64)

// saturate converts an integral float64 to int64, saturating at the int64 range; NaN is 0.
func saturate(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= maxFloat:
		return math.MaxInt64
	case f <= -maxFloat:
		return math.MinInt64
	}
	return int64(f)
}

// ceilInt rounds f up to an int64, saturating.
func ceilInt(f float64) int64 { return saturate(math.Ceil(f)) }

// floorInt rounds f down to an int64, saturating.
func floorInt(f float64) int64 { return saturate(math.Floor(f)) }

// maxMiBs is the largest number of whole MiB that fits an int64 of bytes.
const maxMiBs = math.MaxInt64 / MiB

// ceilMiB rounds a number of bytes up to a whole MiB, saturating at the largest whole MiB that
// fits an int64. NaN and amounts not above 0 are 0.
func ceilMiB(bytes float64) int64 {
	if !(bytes > 0) {
		return 0
	}
	q := math.Ceil(bytes / float64(MiB))
	if q >= float64(maxMiBs) {
		return maxMiBs * MiB
	}
	return saturate(q) * MiB
}

// unit is the smallest value a resource is ever set to: 1m of CPU, 1Mi of memory.
func unit(r Resource) int64 {
	if r == Memory {
		return MiB
	}
	return 1
}

// roundUp turns an amount of usage (cores for CPU, bytes for memory) into the resource's
// integer unit, rounded up: millicores, or bytes in whole MiB. The result is at least unit(r).
// f must not be NaN.
func roundUp(r Resource, f float64) int64 {
	var v int64
	if r == Memory {
		v = ceilMiB(f)
	} else {
		v = ceilInt(f * 1000)
	}
	return max(v, unit(r))
}

// format prints a value the Kubernetes way: "343m", "2" for CPU; "512Mi", "1Gi" for memory.
func format(r Resource, v int64) string {
	if r == Memory {
		return resource.NewQuantity(v, resource.BinarySI).String()
	}
	return resource.NewMilliQuantity(v, resource.DecimalSI).String()
}

// formatUsage prints an amount of usage: CPU in cores ("0.312 cores"), memory in MiB
// ("402.5Mi").
func formatUsage(r Resource, f float64) string {
	if r == Memory {
		return trimFloat(f/float64(MiB), 1) + "Mi"
	}
	if f != 0 && math.Abs(f) < 0.001 {
		return strconv.FormatFloat(f, 'g', 2, 64) + " cores"
	}
	return trimFloat(f, 3) + " cores"
}

// trimFloat prints f with at most prec decimals and no trailing zeros.
func trimFloat(f float64, prec int) string {
	s := strconv.FormatFloat(f, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// formatPercent prints a percentage without trailing zeros: "10", "12.5".
func formatPercent(p float64) string { return trimFloat(p, 2) }

// finite reports whether f is neither NaN nor infinite.
func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
