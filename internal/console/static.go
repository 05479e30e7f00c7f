package console

import (
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"

	"flotilla.dev/flotilla/internal/console/web"
)

// notBuilt is served when the binary was built without the front-end.
const notBuilt = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Flotilla console</title></head>
<body><main><h1>Flotilla console</h1><p>This binary was built without the console's web application.
Build it with <code>make web</code> (or <code>make build</code>) and start again. The API under <code>/api/v1/</code> works.</p></main></body></html>`

// staticHandler serves the single-page application: a file that exists, else index.html (the
// application routes by the URL's fragment). A path with ".." (encoded or not) is refused.
func staticHandler() http.Handler {
	files, built := web.Files()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeError(w, http.StatusMethodNotAllowed, "only GET serves the console's files", "")
			return
		}
		raw := r.URL.EscapedPath()
		decoded, err := url.PathUnescape(raw)
		if err != nil || strings.Contains(decoded, "..") || strings.Contains(decoded, "\\") || strings.ContainsRune(decoded, 0) {
			writeError(w, http.StatusBadRequest, "invalid path", "")
			return
		}
		if !built {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(notBuilt))
			return
		}
		name := strings.TrimPrefix(path.Clean("/"+decoded), "/")
		if name == "" {
			name = "index.html"
		}
		if st, err := fs.Stat(files, name); err != nil || st.IsDir() {
			name = "index.html"
		}
		if name == "index.html" {
			w.Header().Set("Cache-Control", "no-cache")
		}
		http.ServeFileFS(w, r, files, name) //nolint:gosec // G703: name is cleaned, free of "..", and read from the embedded files only
	})
}
