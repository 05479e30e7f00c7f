package analysis

import (
	"context"
	"encoding/json"
	"fmt"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/platform/httpjson"
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
func CallWebhook(ctx context.Context, c httpjson.Doer, w *flotillav1alpha1.WebhookMetric, metric string, t Target) (*float64, flotillav1alpha1.MeasurementPhase, error) {
	ctx, cancel := context.WithTimeout(ctx, timeoutOf(w.Timeout))
	defer cancel()
	raw, err := httpjson.Post(ctx, c, w.URL, WebhookRequest{Metric: metric, Application: t.Application, Namespace: t.Namespace,
		Revision: t.Revision, StableRevision: t.Stable, Clusters: t.Clusters})
	if err != nil {
		return nil, "", fmt.Errorf("webhook %w", err)
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
