package console

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"flotilla.dev/flotilla/internal/platform/promreg"
)

// unmatchedRoute is the route label of requests no pattern took (refused paths, a method a
// route does not allow).
const unmatchedRoute = "unmatched"

// metrics are the flotilla_console_* series.
type metrics struct {
	requests *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flotilla_console_requests_total",
			Help: "Console HTTP requests answered, by route (the pattern that served it, e.g. \"GET /api/v1/applications/{ns}/{name}\") and status code; a stream counts when it ends.",
		}, []string{"route", "code"}),
	}
	var err error
	if m.requests, err = promreg.Register(reg, m.requests); err != nil {
		return nil, err
	}
	return m, nil
}

// instrument counts every request next answers, by the ServeMux pattern that routed it (the
// mux records it on the request).
func (m *metrics) instrument(next http.Handler) http.Handler {
	if m == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = unmatchedRoute
		}
		code := sw.code
		if code == 0 {
			code = http.StatusOK
		}
		m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	})
}

// statusWriter remembers the status code of an answer; it flushes (for the event stream) when
// the writer it wraps does.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush implements http.Flusher.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the wrapped writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
