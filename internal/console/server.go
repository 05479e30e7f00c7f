// Package console is the web console's backend: an HTTP API over the hub (docs/console-api.md)
// and the embedded single-page application. Every endpoint needs a hub token, checked with a
// TokenReview; every read and write is made as that user through Kubernetes impersonation, so
// the hub's RBAC decides and its audit log shows the real user; every action is also an audit
// record. Live updates are Server-Sent Events fed by informers.
package console

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"flotilla.dev/flotilla/internal/audit"
	"flotilla.dev/flotilla/internal/platform/scheme"
	"flotilla.dev/flotilla/internal/platform/servingcert"
)

var metav1CreateOptions = metav1.CreateOptions{}

// AuditLog is where the console reads and writes audit records.
type AuditLog interface {
	// Query answers a search, newest first.
	Query(ctx context.Context, f audit.Filter) ([]audit.Record, error)
	// Record keeps a record; it never blocks.
	Record(r audit.Record)
}

// Options configure the console backend.
type Options struct {
	// Addr is the listen address, e.g. 127.0.0.1:8090.
	Addr string
	// CertDir holds tls.crt and tls.key; empty serves plain HTTP (loopback only, for the local
	// fleet).
	CertDir string
	// IngestAddr, with IngestCertDir, serves only the audit ingest endpoints over TLS at a second
	// address: a kube-apiserver's audit webhook sends its bearer token only over TLS, so a console
	// on plain HTTP (the local fleet) takes the hub's audit events there.
	IngestAddr, IngestCertDir string
	// Audit is the audit trail (nil: audit endpoints answer 503 and actions are not recorded).
	Audit AuditLog
	// Clock is the time source (default: the real clock).
	Clock clock.PassiveClock
	// TokenCacheFor is how long a TokenReview answer is reused (default 10s).
	TokenCacheFor time.Duration
	// Log receives request errors.
	Log logr.Logger
}

// Server is the console backend.
type Server struct {
	cfg     *rest.Config // the backend's own identity: TokenReview, SubjectAccessReview, impersonation
	hub     kubernetes.Interface
	auth    *authenticator
	opts    Options
	cache   cache.Cache
	stream  *broker
	metrics *metrics
}

// New builds the backend for the hub cfg reaches. Its identity needs: create tokenreviews and
// subjectaccessreviews, impersonate users, groups and serviceaccounts, and list/watch what the
// console shows (for live updates).
func New(cfg *rest.Config, o Options) (*Server, error) {
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	if o.TokenCacheFor <= 0 {
		o.TokenCacheFor = 10 * time.Second
	}
	hub, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	c, err := cache.New(cfg, cache.Options{Scheme: scheme.Scheme})
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(crmetrics.Registry)
	if err != nil {
		return nil, fmt.Errorf("registering the console metrics: %w", err)
	}
	s := &Server{cfg: cfg, hub: hub, opts: o, cache: c, metrics: m,
		auth: &authenticator{hub: hub, clock: o.Clock, cacheFor: o.TokenCacheFor, cache: map[[32]byte]cachedReview{}}}
	s.stream = newBroker(s)
	return s, nil
}

// Start serves until ctx ends (a controller-runtime Runnable).
func (s *Server) Start(ctx context.Context) error {
	if err := s.stream.watch(ctx); err != nil {
		return err
	}
	servers := []*http.Server{{Addr: s.opts.Addr, Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}}
	certDirs := []string{s.opts.CertDir}
	if s.opts.IngestAddr != "" {
		ingest := http.NewServeMux()
		ingest.Handle("POST /api/v1/audit/ingest", s.authed(s.ingestAudit))
		ingest.Handle("POST /api/v1/audit/ingest/{source}", s.authed(s.ingestAudit))
		servers = append(servers, &http.Server{Addr: s.opts.IngestAddr, Handler: s.metrics.instrument(ingest), ReadHeaderTimeout: 10 * time.Second,
			BaseContext: func(net.Listener) context.Context { return ctx }})
		certDirs = append(certDirs, s.opts.IngestCertDir)
	}
	errc := make(chan error, len(servers))
	for i, srv := range servers {
		if certDirs[i] != "" {
			// The pair is re-read when its files change (a cert-manager renewal), no restart.
			files, err := servingcert.New(filepath.Join(certDirs[i], "tls.crt"), filepath.Join(certDirs[i], "tls.key"))
			if err != nil {
				return fmt.Errorf("console on %s: %w", srv.Addr, err)
			}
			srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: files.GetCertificate}
		}
		go func() {
			if certDirs[i] != "" {
				errc <- fmt.Errorf("console on %s: %w", srv.Addr, srv.ListenAndServeTLS("", ""))
				return
			}
			errc <- fmt.Errorf("console on %s: %w", srv.Addr, srv.ListenAndServe())
		}()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var errs []error
		for _, srv := range servers {
			errs = append(errs, srv.Shutdown(shutdown)) //nolint:contextcheck // the serving context is over; shutdown gets its own deadline
		}
		return errors.Join(errs...)
	}
}

// NeedLeaderElection is false: every replica serves the console.
func (s *Server) NeedLeaderElection() bool { return false }

// Handler routes the API and the static application.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/login", s.login)
	mux.HandleFunc("POST /api/v1/logout", s.logout)
	mux.Handle("GET /api/v1/whoami", s.authed(s.whoami))
	mux.Handle("GET /api/v1/clusters", s.authed(s.listClusters))
	mux.Handle("GET /api/v1/applications", s.authed(s.listApplications))
	mux.Handle("GET /api/v1/applications/{ns}/{name}", s.authed(s.getApplication))
	mux.Handle("GET /api/v1/autoscalers", s.authed(s.listAutoscalers))
	mux.Handle("GET /api/v1/resourcepolicies", s.authed(s.listResourcePolicies))
	mux.Handle("GET /api/v1/audit", s.authed(s.queryAudit))
	mux.Handle("POST /api/v1/audit/ingest", s.authed(s.ingestAudit))
	mux.Handle("POST /api/v1/audit/ingest/{source}", s.authed(s.ingestAudit))
	mux.Handle("POST /api/v1/applications/{ns}/{name}/scale", s.mutation(s.scale))
	mux.Handle("POST /api/v1/applications/{ns}/{name}/undo", s.mutation(s.undo))
	mux.Handle("POST /api/v1/applications/{ns}/{name}/rollout/{action}", s.mutation(s.steer))
	mux.Handle("POST /api/v1/resourcepolicies/{ns}/{name}/revert", s.mutation(s.revert))
	mux.Handle("GET /api/v1/stream", s.authed(s.stream.serve))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path+" (see docs/console-api.md)", "")
	})
	mux.Handle("/", staticHandler())
	return s.metrics.instrument(securityHeaders(mux))
}

// securityHeaders sets the headers every answer carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
		if traversal(r.URL.EscapedPath()) {
			writeError(w, http.StatusBadRequest, "invalid path", "")
			return
		}
		next.ServeHTTP(w, r)
	})
}

type userKey struct{}

// handler is an API handler that knows its user.
type handler func(w http.ResponseWriter, r *http.Request, u *User)

// authed requires a valid token: 401 with no data otherwise.
func (s *Server) authed(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, fromCookie, err := token(r)
		if err != nil {
			writeError(w, http.StatusUnauthorized, err.Error(), "")
			return
		}
		u, err := s.auth.authenticate(r.Context(), tok)
		if err != nil {
			if u == nil && !strings.HasPrefix(err.Error(), "the hub does not accept") {
				writeError(w, http.StatusServiceUnavailable, "checking the token with the hub: "+err.Error(), "")
				return
			}
			writeError(w, http.StatusUnauthorized, err.Error(), "")
			return
		}
		cu := *u
		cu.cookie = fromCookie
		h(w, r.WithContext(context.WithValue(r.Context(), userKey{}, &cu)), &cu)
	})
}

// mutation is authed, and refuses requests a cross-site page could send: a JSON body is
// required, and a cookie-authenticated request must carry ConsoleHeader.
func (s *Server) mutation(h handler) http.Handler {
	return s.authed(func(w http.ResponseWriter, r *http.Request, u *User) {
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			writeError(w, http.StatusUnsupportedMediaType, "send the request body as application/json", "")
			return
		}
		if u.cookie && r.Header.Get(ConsoleHeader) == "" {
			writeError(w, http.StatusForbidden, "a request signed in by cookie must carry the "+ConsoleHeader+" header", "")
			return
		}
		h(w, r, u)
	})
}

// clientAs returns a hub client that acts as u (impersonation).
func (s *Server) clientAs(u *User) (client.Client, error) {
	cfg := rest.CopyConfig(s.cfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: u.Name, UID: u.UID, Groups: u.Groups, Extra: u.Extra}
	return client.New(cfg, client.Options{Scheme: scheme.Scheme})
}

// errorBody is every error answer.
type errorBody struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg, field string) {
	writeJSON(w, status, errorBody{Error: msg, Field: field})
}

// writeAPIError maps a hub error to the console's status: 403 with the API server's reason,
// 404, 409, 400 for invalid, else 502.
func writeAPIError(w http.ResponseWriter, err error) {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		code := int(status.Status().Code)
		if code == 0 {
			code = http.StatusBadGateway
		}
		if code == http.StatusUnprocessableEntity {
			code = http.StatusBadRequest
		}
		writeError(w, code, status.Status().Message, "")
		return
	}
	writeError(w, http.StatusBadGateway, err.Error(), "")
}

// decode reads a JSON body into v, refusing unknown fields; errors name the field.
func decode(r *http.Request, v any) (string, error) {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return typeErr.Field, fmt.Errorf("%s: must be a %s", typeErr.Field, typeErr.Type)
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			f = strings.Trim(f, `"`)
			return f, fmt.Errorf("%s: unknown field", f)
		}
		return "", fmt.Errorf("the body is not valid JSON: %w", err)
	}
	return "", nil
}

// traversal says whether a request path tries to leave its folder: a ".." segment (encoded or
// not), a backslash or a NUL. Such paths are refused before routing, which would otherwise
// redirect them to their cleaned form.
func traversal(escaped string) bool {
	decoded, err := url.PathUnescape(escaped)
	if err != nil {
		return true
	}
	if strings.ContainsAny(decoded, "\\\x00") {
		return true
	}
	for _, seg := range strings.Split(decoded, "/") {
		if seg == ".." {
			return true
		}
	}
	return false
}
