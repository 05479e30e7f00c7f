package devup

import (
	"context"
	"fmt"
	"io"
	"strconv"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	autoscaleradmission "flotilla.dev/flotilla/internal/autoscaling/admission"
	"flotilla.dev/flotilla/internal/federation/admission"
	tuningadmission "flotilla.dev/flotilla/internal/tuning/admission"
)

// WebhookConfigurationName names the local fleet's ValidatingWebhookConfiguration.
const WebhookConfigurationName = "flotilla-applications"

// specChanged selects the requests the webhook validates (admission.NeedsValidation decides
// the same): creates, and updates that change the spec of an Application not being deleted. So
// while the controller is down, labels, annotations and finalizers can still change.
const specChanged = "request.operation == 'CREATE' || (!has(object.metadata.deletionTimestamp) && object.spec != oldObject.spec)"

// webhookConfiguration returns the ValidatingWebhookConfiguration that sends every create and
// update of an Application's, a FleetAutoscaler's or a ResourcePolicy's spec to the controller at 127.0.0.1:port. It fails closed: while
// the controller is down, Applications cannot be created and their specs cannot change
// (deletes, and updates of metadata only, still pass).
func webhookConfiguration(port int, caBundle []byte) *admissionregistrationv1.ValidatingWebhookConfiguration {
	return &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: WebhookConfigurationName},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{
			validatingWebhook(admission.WebhookName, admission.Path, "applications", port, caBundle),
			validatingWebhook(autoscaleradmission.WebhookName, autoscaleradmission.Path, "fleetautoscalers", port, caBundle),
			validatingWebhook(tuningadmission.WebhookName, tuningadmission.Path, "resourcepolicies", port, caBundle),
		},
	}
}

// validatingWebhook sends creates and spec updates of resource to path on the controller.
func validatingWebhook(name, path, resource string, port int, caBundle []byte) admissionregistrationv1.ValidatingWebhook {
	url := "https://127.0.0.1:" + strconv.Itoa(port) + path
	return admissionregistrationv1.ValidatingWebhook{
		Name:         name,
		ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: caBundle},
		Rules: []admissionregistrationv1.RuleWithOperations{{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
			Rule: admissionregistrationv1.Rule{
				APIGroups:   []string{flotillav1alpha1.GroupVersion.Group},
				APIVersions: []string{flotillav1alpha1.GroupVersion.Version},
				Resources:   []string{resource},
				Scope:       ptr.To(admissionregistrationv1.NamespacedScope),
			},
		}},
		SideEffects:             ptr.To(admissionregistrationv1.SideEffectClassNone),
		AdmissionReviewVersions: []string{"v1"},
		TimeoutSeconds:          ptr.To[int32](5),
		FailurePolicy:           ptr.To(admissionregistrationv1.Fail),
		MatchConditions: []admissionregistrationv1.MatchCondition{{
			Name:       "spec-changed",
			Expression: specChanged,
		}},
		// The API server's defaults, spelled out so a second `dev up` finds nothing to change.
		MatchPolicy:       ptr.To(admissionregistrationv1.Equivalent),
		NamespaceSelector: &metav1.LabelSelector{},
		ObjectSelector:    &metav1.LabelSelector{},
	}
}

// registerWebhook creates or updates the hub's ValidatingWebhookConfiguration so that it points
// at the running controller.
func registerWebhook(ctx context.Context, hub client.Client, ep controllerEndpoint, out io.Writer) error {
	want := webhookConfiguration(ep.webhookPort, ep.caBundle)
	got := &admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: want.Name}}
	res, err := controllerutil.CreateOrUpdate(ctx, hub, got, func() error {
		got.Webhooks = want.Webhooks
		return nil
	})
	if err != nil {
		return fmt.Errorf("registering the Application admission webhook: %w", err)
	}
	fmt.Fprintf(out, "the Application admission webhook is registered (%s)\n", res)
	return nil
}
