package devup

import (
	"bytes"
	"context"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	autoscaleradmission "flotilla.dev/flotilla/internal/autoscaling/admission"
	"flotilla.dev/flotilla/internal/devfleet/binaries"
	"flotilla.dev/flotilla/internal/federation/admission"
	"flotilla.dev/flotilla/internal/platform/scheme"
	tuningadmission "flotilla.dev/flotilla/internal/tuning/admission"
)

func TestWebhookConfiguration(t *testing.T) {
	c := webhookConfiguration(9443, []byte("ca"))
	if len(c.Webhooks) != 3 {
		t.Fatalf("want three webhooks (applications, fleetautoscalers, resourcepolicies), got %d", len(c.Webhooks))
	}
	for i, want := range []struct{ path, resource string }{{autoscaleradmission.Path, "fleetautoscalers"}, {tuningadmission.Path, "resourcepolicies"}} {
		w := c.Webhooks[i+1]
		if got := *w.ClientConfig.URL; got != "https://127.0.0.1:9443"+want.path || w.Rules[0].Resources[0] != want.resource {
			t.Errorf("webhook %d: url %s resources %v, want %s for %s", i+1, got, w.Rules[0].Resources, want.path, want.resource)
		}
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

// TestRegisterWebhookIsIdempotent registers the configuration in a real API server (which
// compiles the match condition) twice: the second `dev up` changes nothing.
func TestRegisterWebhookIsIdempotent(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts a kube-apiserver and etcd (run without -short)")
	}
	dir, err := binaries.DefaultPins.Find()
	if err != nil {
		t.Skipf("integration test needs the pinned binaries: %v", err)
	}
	env := &envtest.Environment{BinaryAssetsDirectory: dir, Scheme: scheme.Scheme}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	hub, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ep := controllerEndpoint{webhookPort: 9443, caBundle: cfg.CAData}
	for _, want := range []string{"(created)", "(unchanged)"} {
		var out bytes.Buffer
		if err := registerWebhook(ctx, hub, ep, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("registering: %q, want %s", out.String(), want)
		}
	}
	ep.webhookPort = 9444
	var out bytes.Buffer
	if err := registerWebhook(ctx, hub, ep, &out); err != nil || !strings.Contains(out.String(), "(updated)") {
		t.Errorf("a new port must update the configuration: %q, %v", out.String(), err)
	}
}
