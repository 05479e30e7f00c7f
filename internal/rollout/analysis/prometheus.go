package analysis

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"flotilla.dev/flotilla/internal/platform/httpjson"
)

// QueryPrometheus runs an instant query and returns its one number, or nil when the result is
// empty or not a number. A result of several series is an error: the query must aggregate.
func QueryPrometheus(ctx context.Context, c httpjson.Doer, address, query string, timeout time.Duration) (*float64, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	u := strings.TrimSuffix(address, "/") + "/api/v1/query"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(url.Values{"query": {query}}.Encode()))
	if err != nil {
		return nil, fmt.Errorf("prometheus %s: %w", address, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("prometheus %s: %w", address, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("prometheus %s: reading the answer: %w", address, err)
	}
	return ParsePrometheus(resp.StatusCode, body)
}

// ParsePrometheus reads the answer of /api/v1/query.
func ParsePrometheus(status int, body []byte) (*float64, error) {
	var ans struct {
		Status    string `json:"status"`
		Error     string `json:"error"`
		ErrorType string `json:"errorType"`
		Data      struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		return nil, fmt.Errorf("prometheus answered HTTP %d with something that is not its JSON: %.200s", status, body)
	}
	if ans.Status != "success" {
		return nil, fmt.Errorf("prometheus refused the query (%s): %s", ans.ErrorType, ans.Error)
	}
	var sample []any
	switch ans.Data.ResultType {
	case "scalar":
		if err := json.Unmarshal(ans.Data.Result, &sample); err != nil {
			return nil, fmt.Errorf("prometheus scalar: %w", err)
		}
	case "vector":
		var vec []struct {
			Value []any `json:"value"`
		}
		if err := json.Unmarshal(ans.Data.Result, &vec); err != nil {
			return nil, fmt.Errorf("prometheus vector: %w", err)
		}
		switch len(vec) {
		case 0:
			return nil, nil
		case 1:
			sample = vec[0].Value
		default:
			return nil, fmt.Errorf("the query returned %d series; aggregate it to one number, e.g. with sum(...)", len(vec))
		}
	default:
		return nil, fmt.Errorf("the query returned a %s; it must return one number (an instant vector of one series or a scalar)", ans.Data.ResultType)
	}
	if len(sample) != 2 {
		return nil, fmt.Errorf("prometheus sample %v is not [time, value]", sample)
	}
	s, _ := sample[1].(string)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !usable(v) {
		return nil, nil //nolint:nilnil // an empty or NaN result is a value-less measurement, not an error
	}
	return &v, nil
}
