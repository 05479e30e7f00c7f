// Package promregtest reads metrics back from a registry in tests.
package promregtest

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// Value returns the value of the series of name whose labels include labels: a counter's or a
// gauge's value, a histogram's sample count. found is false when there is no such series.
func Value(t testing.TB, g prometheus.Gatherer, name string, labels map[string]string) (value float64, found bool) {
	t.Helper()
	v, _, found := find(t, g, name, labels)
	return v, found
}

// Sum returns the sum of the observations of the histogram series of name whose labels include
// labels (0 when there is none).
func Sum(t testing.TB, g prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	_, sum, _ := find(t, g, name, labels)
	return sum
}

func find(t testing.TB, g prometheus.Gatherer, name string, labels map[string]string) (value, sum float64, found bool) {
	t.Helper()
	families, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue series
				}
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue(), 0, true
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue(), 0, true
			case m.GetHistogram() != nil:
				return float64(m.GetHistogram().GetSampleCount()), m.GetHistogram().GetSampleSum(), true
			}
		}
	}
	return 0, 0, false
}
