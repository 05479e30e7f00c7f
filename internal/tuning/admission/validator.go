// Package admission is the validating admission webhook for ResourcePolicies: it checks what
// the CRD's schema and CEL rules cannot — bounds with min above max, and targets for a
// resource a selected Application's container does not set — so a bad policy is refused at
// the API with the field named.
package admission

import (
	"context"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	ctrladmission "sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/federation/render"
)

// Path is where the webhook server serves the ResourcePolicy validator.
const Path = "/validate-flotilla-dev-v1alpha1-resourcepolicy"

// WebhookName is the name of the webhook inside its ValidatingWebhookConfiguration.
const WebhookName = "resourcepolicies.flotilla.dev"

// +kubebuilder:webhook:path=/validate-flotilla-dev-v1alpha1-resourcepolicy,mutating=false,failurePolicy=fail,sideEffects=None,groups=flotilla.dev,resources=resourcepolicies,verbs=create;update,versions=v1alpha1,name=resourcepolicies.flotilla.dev,admissionReviewVersions=v1,timeoutSeconds=5

// Validator rejects ResourcePolicies with impossible bounds or targets. Reader reads the
// selected Applications (nil: only the policy itself is checked).
type Validator struct{ Reader client.Reader }

var _ ctrladmission.Validator[*flotillav1alpha1.ResourcePolicy] = Validator{}

// ValidateCreate validates a new policy.
func (v Validator) ValidateCreate(ctx context.Context, p *flotillav1alpha1.ResourcePolicy) (ctrladmission.Warnings, error) {
	return v.validate(ctx, p)
}

// ValidateUpdate validates a changed spec.
func (v Validator) ValidateUpdate(ctx context.Context, old, p *flotillav1alpha1.ResourcePolicy) (ctrladmission.Warnings, error) {
	if p.DeletionTimestamp != nil || equality.Semantic.DeepEqual(old.Spec, p.Spec) {
		return nil, nil
	}
	return v.validate(ctx, p)
}

// ValidateDelete allows every delete.
func (Validator) ValidateDelete(context.Context, *flotillav1alpha1.ResourcePolicy) (ctrladmission.Warnings, error) {
	return nil, nil
}

func (v Validator) validate(ctx context.Context, p *flotillav1alpha1.ResourcePolicy) (ctrladmission.Warnings, error) {
	errs := Errors(p)
	var warnings ctrladmission.Warnings
	if v.Reader != nil && len(errs) == 0 {
		apps, w := v.selected(ctx, p)
		warnings = w
		for _, app := range apps {
			errs = append(errs, TargetErrors(p, app)...)
		}
	}
	if len(errs) == 0 {
		return warnings, nil
	}
	err := apierrors.NewInvalid(flotillav1alpha1.GroupVersion.WithKind("ResourcePolicy").GroupKind(), p.Name, errs)
	ctrl.LoggerFrom(ctx).V(1).Info("rejected a ResourcePolicy", "reason", err.Error())
	return warnings, err
}

// selected reads the Applications the policy selects; those that do not exist yet are a warning.
func (v Validator) selected(ctx context.Context, p *flotillav1alpha1.ResourcePolicy) ([]*flotillav1alpha1.Application, ctrladmission.Warnings) {
	if ref := p.Spec.TargetRef; ref != nil {
		app := &flotillav1alpha1.Application{}
		if err := v.Reader.Get(ctx, client.ObjectKey{Namespace: p.Namespace, Name: ref.Name}, app); err != nil {
			return nil, ctrladmission.Warnings{fmt.Sprintf("spec.targetRef: Application %s/%s cannot be read (%v); its containers are checked when it exists", p.Namespace, ref.Name, err)}
		}
		return []*flotillav1alpha1.Application{app}, nil
	}
	sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
	if err != nil {
		return nil, nil
	}
	var list flotillav1alpha1.ApplicationList
	if err := v.Reader.List(ctx, &list, client.InNamespace(p.Namespace), client.MatchingLabelsSelector{Selector: sel}); err != nil {
		return nil, ctrladmission.Warnings{fmt.Sprintf("spec.selector: Applications cannot be listed: %v", err)}
	}
	out := make([]*flotillav1alpha1.Application, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, &list.Items[i])
	}
	if len(out) == 0 {
		return nil, ctrladmission.Warnings{"spec.selector matches no Application yet"}
	}
	return out, nil
}

// Errors lists what is wrong with the policy itself that the schema cannot see.
func Errors(p *flotillav1alpha1.ResourcePolicy) field.ErrorList {
	var errs field.ErrorList
	if p.Spec.Selector != nil {
		if _, err := metav1.LabelSelectorAsSelector(p.Spec.Selector); err != nil {
			errs = append(errs, field.Invalid(field.NewPath("spec", "selector"), p.Spec.Selector, err.Error()))
		}
	}
	for i, c := range p.Spec.Containers {
		path := field.NewPath("spec", "containers").Index(i)
		for _, list := range []struct {
			name string
			l    corev1.ResourceList
		}{{"minAllowed", c.MinAllowed}, {"maxAllowed", c.MaxAllowed}} {
			for _, name := range sortedNames(list.l) {
				q := list.l[name]
				switch {
				case name != corev1.ResourceCPU && name != corev1.ResourceMemory:
					errs = append(errs, field.NotSupported(path.Child(list.name, string(name)), string(name), []string{"cpu", "memory"}))
				case q.Sign() <= 0:
					errs = append(errs, field.Invalid(path.Child(list.name, string(name)), q.String(), "must be positive"))
				}
			}
		}
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			lo, okLo := c.MinAllowed[name]
			hi, okHi := c.MaxAllowed[name]
			if okLo && okHi && lo.Cmp(hi) > 0 {
				errs = append(errs, field.Invalid(path.Child("minAllowed", string(name)), lo.String(),
					fmt.Sprintf("must not exceed spec.containers[%d].maxAllowed.%s (%s)", i, name, hi.String())))
			}
		}
		for j, t := range c.Targets {
			if t.Percentile < 0 || t.Percentile > 100 {
				errs = append(errs, field.Invalid(path.Child("targets").Index(j).Child("percentile"), t.Percentile, "must be between 0 and 100"))
			}
		}
	}
	if b := p.Spec.Update.BatchSize; b != nil {
		if n, err := intstr.GetScaledValueFromIntOrPercent(b, 100, true); err != nil || n < 1 {
			errs = append(errs, field.Invalid(field.NewPath("spec", "update", "batchSize"), b.String(), "must be a positive count or a percentage such as \"25%\""))
		}
	}
	return errs
}

// TargetErrors lists the policy's targets for a value a container of app does not set (an
// in-place resize cannot add a request or a limit), and container entries naming no container.
func TargetErrors(p *flotillav1alpha1.ResourcePolicy, app *flotillav1alpha1.Application) field.ErrorList {
	containers, err := render.Containers(app)
	if err != nil {
		return nil // the Application's own admission reports it
	}
	own := map[string]bool{}
	for _, c := range p.Spec.Containers {
		own[c.Name] = true
	}
	var errs field.ErrorList
	for i, entry := range p.Spec.Containers {
		path := field.NewPath("spec", "containers").Index(i)
		matched := false
		for _, c := range containers {
			if entry.Name != c.Name && (entry.Name != "*" || own[c.Name]) {
				continue
			}
			matched = true
			for j, t := range entry.Targets {
				list := c.Resources.Requests
				if t.Field == flotillav1alpha1.TunedLimit {
					list = c.Resources.Limits
				}
				if _, ok := list[corev1.ResourceName(t.Resource)]; !ok {
					errs = append(errs, field.Invalid(path.Child("targets").Index(j), fmt.Sprintf("%s %s", t.Resource, t.Field),
						fmt.Sprintf("container %q of Application %s sets no %s %s: an in-place resize can only change a value the container sets; set it in the Application or remove this target",
							c.Name, app.Name, t.Resource, t.Field)))
				}
			}
		}
		if !matched && entry.Name != "*" {
			errs = append(errs, field.Invalid(path.Child("name"), entry.Name, fmt.Sprintf("Application %s has no container %q", app.Name, entry.Name)))
		}
	}
	return errs
}

func sortedNames(l corev1.ResourceList) []corev1.ResourceName {
	out := make([]corev1.ResourceName, 0, len(l))
	for n := range l {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Setup registers the validator with mgr's webhook server at Path.
func Setup(mgr manager.Manager) error {
	return ctrl.NewWebhookManagedBy(mgr, &flotillav1alpha1.ResourcePolicy{}).
		WithValidator(Validator{Reader: mgr.GetAPIReader()}).
		WithValidatorCustomPath(Path).
		Complete()
}
