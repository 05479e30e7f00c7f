package audit

import (
	"context"
	"fmt"
	"net/http"

	"flotilla.dev/flotilla/internal/platform/httpjson"
)

// HTTPSink sends batches to an audit endpoint: a POST of a RecordList as JSON, with a bearer
// token. Any answer but a 2xx is an error that names the URL, the status and the start of the
// answer's body (its message).
type HTTPSink struct {
	// URL is the endpoint.
	URL string
	// Token returns the bearer token for each request (so it may rotate); nil sends none.
	Token func() (string, error)
	// Client sends the requests; nil uses http.DefaultClient.
	Client *http.Client
}

var _ Sink = HTTPSink{}

// Append posts recs to the endpoint.
func (s HTTPSink) Append(ctx context.Context, recs []Record) error {
	var doer httpjson.Doer = http.DefaultClient
	if s.Client != nil {
		doer = s.Client
	}
	if s.Token != nil {
		token, err := s.Token()
		if err != nil {
			return fmt.Errorf("getting a token for %s: %w", s.URL, err)
		}
		doer = bearer{next: doer, token: token}
	}
	_, err := httpjson.Post(ctx, doer, s.URL, RecordList{Items: recs})
	return err
}

// bearer adds an Authorization header to every request.
type bearer struct {
	next  httpjson.Doer
	token string
}

func (b bearer) Do(req *http.Request) (*http.Response, error) {
	req.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.Do(req)
}
