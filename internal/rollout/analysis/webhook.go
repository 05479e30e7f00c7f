package analysis

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// WebhookRequest is the JSON body a webhook metric receives.
type WebhookRequest struct {
	Metric         string   `json:"metric"`
	Application    string   `json:"application"`
	Namespace      string   `json:"namespace"`
	Revision       string   `json:"revision"`
	StableRevision string   `json:"stableRevision"`
	Clusters       []string `json:"clusters"`
}

// WebhookResponse is what a webhook metric answers: a value judged by the metric's thresholds,
// or a verdict of its own.
type WebhookResponse struct {
	Value   *float64                          `json:"value"`
	Verdict flotillav1alpha1.MeasurementPhase `json:"verdict"`
}

// CallWebhook POSTs the target to the webhook and returns its value or verdict.
func CallWebhook(ctx context.Context, c HTTPDoer, w *flotillav1alpha1.WebhookMetric, metric string, t Target) (*float64, flotillav1alpha1.MeasurementPhase, error) {
	ctx, cancel := context.WithTimeout(ctx, timeoutOf(w.Timeout))
	defer cancel()
	body, _ := json.Marshal(WebhookRequest{Metric: metric, Application: t.Application, Namespace: t.Namespace,
		Revision: t.Revision, StableRevision: t.Stable, Clusters: t.Clusters})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return nil, "", fmt.Errorf("webhook %s: %w", w.URL, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("webhook %s: %w", w.URL, err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return nil, "", fmt.Errorf("webhook %s: reading the answer: %w", w.URL, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, "", fmt.Errorf("webhook %s answered HTTP %d: %.200s", w.URL, resp.StatusCode, raw)
	}
	var ans WebhookResponse
	if err := json.Unmarshal(raw, &ans); err != nil {
		return nil, "", fmt.Errorf("webhook %s answered something that is not {\"value\": n} or {\"verdict\": ...}: %.200s", w.URL, raw)
	}
	switch ans.Verdict {
	case "", flotillav1alpha1.MeasurementSuccessful, flotillav1alpha1.MeasurementFailed, flotillav1alpha1.MeasurementInconclusive:
	default:
		return nil, "", fmt.Errorf("webhook %s answered verdict %q; use Successful, Failed or Inconclusive", w.URL, ans.Verdict)
	}
	if ans.Value != nil && !usable(*ans.Value) {
		ans.Value = nil
	}
	return ans.Value, ans.Verdict, nil
}
