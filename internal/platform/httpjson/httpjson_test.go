package httpjson

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPost(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in map[string]string
		if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&in) != nil {
			http.Error(w, "want JSON", http.StatusBadRequest)
			return
		}
		if in["fail"] != "" {
			http.Error(w, "refused: "+in["fail"], http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{"value": 3}`))
	}))
	defer srv.Close()
	raw, err := Post(context.Background(), srv.Client(), srv.URL, map[string]string{"metric": "qps"})
	if err != nil || string(raw) != `{"value": 3}` {
		t.Fatalf("got %q, %v", raw, err)
	}
	_, err = Post(context.Background(), srv.Client(), srv.URL, map[string]string{"fail": "overloaded"})
	if err == nil || !strings.Contains(err.Error(), srv.URL+" answered HTTP 503: refused: overloaded") {
		t.Fatalf("error %v, want one naming the URL, the status and the answer", err)
	}
	if _, err := Post(context.Background(), srv.Client(), "http://127.0.0.1:9/none", nil); err == nil || !strings.Contains(err.Error(), "127.0.0.1:9") {
		t.Fatalf("unreachable: %v, want an error naming the URL", err)
	}
}
