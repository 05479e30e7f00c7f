package console

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"flotilla.dev/flotilla/internal/platform/promreg/promregtest"
)

// TestRequestsAreCountedByRouteNotPath: the route label is the pattern that served a request,
// whatever the path's names; refused paths and unknown API paths have routes of their own.
func TestRequestsAreCountedByRouteNotPath(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := newMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	h := (&Server{metrics: m}).Handler()
	for _, path := range []string{"/api/v1/applications/shop/web", "/api/v1/applications/shop/api", "/api/v1/nope", "/a/%2e%2e/b"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	}
	for _, tc := range []struct {
		route, code string
		want        float64
	}{
		{"GET /api/v1/applications/{ns}/{name}", "401", 2},
		{"/api/", "404", 1},
		{unmatchedRoute, "400", 1},
	} {
		if got, _ := promregtest.Value(t, reg, "flotilla_console_requests_total", map[string]string{"route": tc.route, "code": tc.code}); got != tc.want {
			t.Errorf("route %q code %s: %v requests, want %v", tc.route, tc.code, got, tc.want)
		}
	}
}

func TestStatusWriterFlushes(t *testing.T) {
	rec := httptest.NewRecorder()
	var w http.ResponseWriter = &statusWriter{ResponseWriter: rec}
	f, ok := w.(http.Flusher)
	if !ok {
		t.Fatal("the wrapped writer cannot flush: the event stream would refuse it")
	}
	f.Flush()
	if !rec.Flushed {
		t.Error("Flush did not reach the underlying writer")
	}
}
