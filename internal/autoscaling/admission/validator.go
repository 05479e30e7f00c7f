// Package admission is the validating admission webhook for FleetAutoscalers: it checks what
// the CRD's schema and CEL rules cannot, that every schedule's cron expression, time zone and
// window parse, so a bad schedule is refused at the API with the field named.
package admission

import (
	"context"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	ctrladmission "sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/autoscaling/recommender"
)

// Path is where the webhook server serves the FleetAutoscaler validator.
const Path = "/validate-flotilla-dev-v1alpha1-fleetautoscaler"

// WebhookName is the name of the webhook inside its ValidatingWebhookConfiguration.
const WebhookName = "fleetautoscalers.flotilla.dev"

// +kubebuilder:webhook:path=/validate-flotilla-dev-v1alpha1-fleetautoscaler,mutating=false,failurePolicy=fail,sideEffects=None,groups=flotilla.dev,resources=fleetautoscalers,verbs=create;update,versions=v1alpha1,name=fleetautoscalers.flotilla.dev,admissionReviewVersions=v1,timeoutSeconds=5

// Validator rejects FleetAutoscalers whose schedules do not parse.
type Validator struct{}

var _ ctrladmission.Validator[*flotillav1alpha1.FleetAutoscaler] = Validator{}

// ValidateCreate validates a new autoscaler.
func (Validator) ValidateCreate(ctx context.Context, fa *flotillav1alpha1.FleetAutoscaler) (ctrladmission.Warnings, error) {
	return nil, logged(ctx, Validate(fa))
}

// ValidateUpdate validates a changed spec.
func (Validator) ValidateUpdate(ctx context.Context, old, fa *flotillav1alpha1.FleetAutoscaler) (ctrladmission.Warnings, error) {
	if fa.DeletionTimestamp != nil || equality.Semantic.DeepEqual(old.Spec, fa.Spec) {
		return nil, nil
	}
	return nil, logged(ctx, Validate(fa))
}

// ValidateDelete allows every delete.
func (Validator) ValidateDelete(context.Context, *flotillav1alpha1.FleetAutoscaler) (ctrladmission.Warnings, error) {
	return nil, nil
}

// Errors lists what is wrong with fa's spec that the schema cannot see.
func Errors(fa *flotillav1alpha1.FleetAutoscaler) field.ErrorList {
	var errs field.ErrorList
	for i, s := range fa.Spec.Schedules {
		path := field.NewPath("spec", "schedules").Index(i)
		if _, err := recommender.ParseSchedule(s); err != nil {
			errs = append(errs, field.Invalid(path, s.Name, err.Error()))
		}
		if s.MinReplicas != nil && s.MaxReplicas != nil && *s.MinReplicas > *s.MaxReplicas {
			errs = append(errs, field.Invalid(path.Child("minReplicas"), *s.MinReplicas, "must not exceed maxReplicas of the same schedule"))
		}
	}
	return errs
}

// Validate returns nil for a valid autoscaler, else an Invalid API error naming each field.
func Validate(fa *flotillav1alpha1.FleetAutoscaler) error {
	errs := Errors(fa)
	if len(errs) == 0 {
		return nil
	}
	return apierrors.NewInvalid(flotillav1alpha1.GroupVersion.WithKind("FleetAutoscaler").GroupKind(), fa.Name, errs)
}

func logged(ctx context.Context, err error) error {
	if err != nil {
		ctrl.LoggerFrom(ctx).V(1).Info("rejected a FleetAutoscaler", "reason", err.Error())
	}
	return err
}

// Setup registers the validator with mgr's webhook server at Path.
func Setup(mgr manager.Manager) error {
	return ctrl.NewWebhookManagedBy(mgr, &flotillav1alpha1.FleetAutoscaler{}).
		WithValidator(Validator{}).
		WithValidatorCustomPath(Path).
		Complete()
}
