// Package admission is the validating admission webhook for Applications. The CRD's schema and
// CEL rules check each field on its own; this webhook checks what needs the whole object: that
// spec.resources decode into one workload in the Application's namespace and that every
// override applies to them (a JSON patch path that exists, an add or replace with a value, a
// container that exists, ...). It runs render.Validate, the same check the reconciler reports in
// a condition, so a bad Application is refused at the API with the field named instead of being
// accepted and then failing to render.
//
// The webhook is served by `flotilla controller --webhook-port` and registered by a
// ValidatingWebhookConfiguration (config/webhook, or the local fleet's `dev up`).
package admission

import (
	"context"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	ctrladmission "sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/federation/render"
)

// Path is where the webhook server serves the Application validator. It must match the
// kubebuilder marker below and the clientConfig of every ValidatingWebhookConfiguration.
const Path = "/validate-flotilla-dev-v1alpha1-application"

// WebhookName is the name of the webhook inside its ValidatingWebhookConfiguration.
const WebhookName = "applications.flotilla.dev"

// +kubebuilder:webhook:path=/validate-flotilla-dev-v1alpha1-application,mutating=false,failurePolicy=fail,sideEffects=None,groups=flotilla.dev,resources=applications,verbs=create;update,versions=v1alpha1,name=applications.flotilla.dev,admissionReviewVersions=v1,timeoutSeconds=5

// ApplicationValidator rejects Applications that cannot be rendered. Creates are always
// validated; updates only when they change the spec of an Application that is not being
// deleted, so an Application stored before the webhook existed can still lose its finalizers
// and labels; deletes are always allowed.
type ApplicationValidator struct{}

var _ ctrladmission.Validator[*flotillav1alpha1.Application] = ApplicationValidator{}

// ValidateCreate rejects an Application that does not render, naming each wrong field.
func (ApplicationValidator) ValidateCreate(ctx context.Context, app *flotillav1alpha1.Application) (ctrladmission.Warnings, error) {
	return nil, logged(ctx, Validate(app))
}

// ValidateUpdate rejects a spec change that makes the Application fail to render.
func (ApplicationValidator) ValidateUpdate(ctx context.Context, old, app *flotillav1alpha1.Application) (ctrladmission.Warnings, error) {
	if !NeedsValidation(old, app) {
		return nil, nil
	}
	return nil, logged(ctx, Validate(app))
}

// ValidateDelete allows every delete.
func (ApplicationValidator) ValidateDelete(context.Context, *flotillav1alpha1.Application) (ctrladmission.Warnings, error) {
	return nil, nil
}

// NeedsValidation reports whether an update must be validated: it changes the spec and the
// Application is not being deleted.
func NeedsValidation(old, app *flotillav1alpha1.Application) bool {
	if app.DeletionTimestamp != nil {
		return false
	}
	return !equality.Semantic.DeepEqual(old.Spec, app.Spec)
}

// Validate returns nil when app renders, else an Invalid API error (HTTP 422) whose causes
// name each wrong field, e.g. "spec.overrides[0].jsonPatch[0]: ... path /spec/foo does not
// exist in Deployment web".
func Validate(app *flotillav1alpha1.Application) error {
	errs := render.Validate(app)
	if len(errs) == 0 {
		return nil
	}
	gk := flotillav1alpha1.GroupVersion.WithKind("Application").GroupKind()
	return apierrors.NewInvalid(gk, app.Name, errs)
}

// logged records a rejection for operators; the user reads it in the API's answer.
func logged(ctx context.Context, err error) error {
	if err != nil {
		ctrl.LoggerFrom(ctx).V(1).Info("rejected an Application", "reason", err.Error())
	}
	return err
}

// Setup registers the validator with mgr's webhook server at Path. Calling it adds the webhook
// server to the manager, so call it only when the webhook is enabled.
func Setup(mgr manager.Manager) error {
	return ctrl.NewWebhookManagedBy(mgr, &flotillav1alpha1.Application{}).
		WithValidator(ApplicationValidator{}).
		WithValidatorCustomPath(Path).
		Complete()
}
