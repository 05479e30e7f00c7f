// Package httpjson posts a JSON document to an HTTP endpoint and returns its answer, the way
// every Flotilla capability that asks an outside service (rollout webhook metrics, external
// autoscaling metrics) does: one size limit, one error text naming the URL and the status.
package httpjson

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Doer sends HTTP requests; *http.Client implements it.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// MaxAnswer is the most of an answer that is read.
const MaxAnswer = 1 << 16

// Post sends in as JSON to url and returns the body of a 2xx answer (at most MaxAnswer bytes).
// Errors name the URL, and for a non-2xx answer its status and the start of its body.
func Post(ctx context.Context, c Doer, url string, in any) ([]byte, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer))
	if err != nil {
		return nil, fmt.Errorf("%s: reading the answer: %w", url, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s answered HTTP %d: %.200s", url, resp.StatusCode, raw)
	}
	return raw, nil
}
