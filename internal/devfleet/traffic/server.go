package traffic

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves /metrics, /healthz, /readyz (see Ready) and /load/{namespace}/{app} (see
// SetOffered).
func (g *Generator) Handler() http.Handler {
	metrics := promhttp.HandlerFor(g.metrics.registry, promhttp.HandlerOpts{})
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock() // a scrape never sees half of a count
		defer g.mu.Unlock()
		metrics.ServeHTTP(w, r)
	})
	mux.HandleFunc("/load/{namespace}/{app}", g.loadHandler)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := g.Ready(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok"))
	})
	return mux
}

// Serve runs g and serves its Handler on every listener until ctx ends or one of them fails.
func Serve(ctx context.Context, g *Generator, listeners ...net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv := &http.Server{Handler: g.Handler(), ReadHeaderTimeout: 5 * time.Second}
	errs := make(chan error, len(listeners)+1)
	for _, l := range listeners {
		go func() { errs <- srv.Serve(l) }()
	}
	go func() { errs <- g.Run(ctx) }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-errs:
	}
	shutdownCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer stop()
	if serr := srv.Shutdown(shutdownCtx); err == nil {
		err = serr
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
