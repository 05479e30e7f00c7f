package devup

import (
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"

	"flotilla.dev/flotilla/internal/federation/admission"
)

func TestWebhookConfiguration(t *testing.T) {
	c := webhookConfiguration(9443, []byte("ca"))
	if len(c.Webhooks) != 1 {
		t.Fatalf("want one webhook, got %d", len(c.Webhooks))
	}
	w := c.Webhooks[0]
	if got, want := *w.ClientConfig.URL, "https://127.0.0.1:9443"+admission.Path; got != want {
		t.Errorf("url = %s, want %s", got, want)
	}
	if string(w.ClientConfig.CABundle) != "ca" {
		t.Errorf("caBundle = %q", w.ClientConfig.CABundle)
	}
	if *w.FailurePolicy != admissionregistrationv1.Fail || *w.SideEffects != admissionregistrationv1.SideEffectClassNone || *w.TimeoutSeconds != 5 {
		t.Errorf("want failurePolicy Fail, sideEffects None, timeoutSeconds 5; got %s, %s, %d", *w.FailurePolicy, *w.SideEffects, *w.TimeoutSeconds)
	}
	r := w.Rules[0]
	if len(r.Operations) != 2 || r.Operations[0] != admissionregistrationv1.Create || r.Operations[1] != admissionregistrationv1.Update {
		t.Errorf("operations = %v, want CREATE and UPDATE (never DELETE)", r.Operations)
	}
	if len(r.Resources) != 1 || r.Resources[0] != "applications" {
		t.Errorf("resources = %v, want applications only (not applications/status)", r.Resources)
	}
}
