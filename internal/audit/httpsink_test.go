package audit

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestHTTPSink(t *testing.T) {
	var mu sync.Mutex
	var got []Record
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Authorization") != "Bearer t0ken" {
			http.Error(w, `{"message":"token expired or missing"}`, http.StatusUnauthorized)
			return
		}
		var list RecordList
		if err := json.NewDecoder(r.Body).Decode(&list); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, list.Items...)
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	token := func() (string, error) { return "t0ken", nil }
	recs := threeDays()

	if err := (HTTPSink{URL: srv.URL, Token: token, Client: srv.Client()}).Append(ctx, recs); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(recs) || got[0].ID != recs[0].ID {
		t.Errorf("the endpoint got %v, want %v", ids(got), ids(recs))
	}

	tests := []struct {
		name string
		sink HTTPSink
		want string
	}{
		{"wrong token", HTTPSink{URL: srv.URL, Token: func() (string, error) { return "old", nil }},
			srv.URL + ` answered HTTP 401: {"message":"token expired or missing"}`},
		{"no token", HTTPSink{URL: srv.URL}, "HTTP 401"},
		{"no token to be had", HTTPSink{URL: srv.URL, Token: func() (string, error) { return "", errors.New("no service account") }},
			"getting a token for " + srv.URL + ": no service account"},
		{"nobody there", HTTPSink{URL: "http://127.0.0.1:9/audit"}, "127.0.0.1:9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.sink.Append(ctx, recs); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
