package analysis

import (
	"math"
	"testing"
)

// FuzzParsePrometheus feeds arbitrary answers: parsing never panics, and a value it returns is
// always a number a threshold can judge.
func FuzzParsePrometheus(f *testing.F) {
	f.Add([]byte(`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"0.25"]}]}}`))
	f.Add([]byte(`{"status":"success","data":{"resultType":"scalar","result":[1,"NaN"]}}`))
	f.Add([]byte(`{"status":"error","error":"x"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := ParsePrometheus(200, body)
		if err == nil && v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
			t.Fatalf("returned %v", *v)
		}
	})
}
