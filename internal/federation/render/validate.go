package render

import (
	"errors"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/rollout/planner"
)

// Validate checks what the CRD's CEL rules cannot: that the resources decode, and that every
// override applies to them. For each override it renders for a synthetic cluster that override
// selects (its first name, labels satisfying its selector), so overrides are checked together
// with the others that select the same cluster, in order. An empty list means valid.
func Validate(app *flotillav1alpha1.Application) field.ErrorList {
	in := Input{
		Application: app.Name,
		Namespace:   app.Namespace,
		Revision:    "validation",
		Resources:   app.Spec.Resources,
		Overrides:   app.Spec.Overrides,
		Replicas:    1,
	}
	var errs field.ErrorList
	if app.Spec.Rollout != nil {
		kind := ""
		if _, w, err := Workload(app.Spec.Resources, app.Namespace); err == nil {
			kind = w.GetKind()
		}
		errs = append(errs, planner.Validate(app.Spec.Rollout, kind, field.NewPath("spec", "rollout"))...)
	}
	seen := map[string]bool{}
	add := func(err error) {
		if err == nil || seen[err.Error()] {
			return
		}
		seen[err.Error()] = true
		errs = append(errs, ToFieldError(err))
	}
	in.Cluster = Cluster{Name: "flotilla-validation"}
	_, err := Render(in)
	add(err)
	var rerr *Error
	if errors.As(err, &rerr) && strings.HasPrefix(rerr.Field, "spec.resources") {
		return errs
	}
	for i := range app.Spec.Overrides {
		c, ok := SyntheticCluster(&app.Spec.Overrides[i])
		if !ok {
			errs = append(errs, field.Invalid(field.NewPath("spec", "overrides").Index(i).Child("clusterSelector"),
				app.Spec.Overrides[i].ClusterSelector, "selects no cluster: fix the selector"))
			continue
		}
		in.Cluster = c
		_, err := Render(in)
		add(err)
	}
	return errs
}

// ToFieldError turns a rendering error into a field.Error for the API's conventions.
func ToFieldError(err error) *field.Error {
	var e *Error
	if errors.As(err, &e) {
		return &field.Error{Type: field.ErrorTypeInvalid, Field: e.Field, BadValue: field.OmitValueType{}, Detail: e.Detail}
	}
	return field.InternalError(field.NewPath("spec"), err)
}

// SyntheticCluster returns a cluster the override selects, or false when its selector cannot
// be satisfied (or does not parse).
func SyntheticCluster(o *flotillav1alpha1.ClusterOverride) (Cluster, bool) {
	c := Cluster{Name: "flotilla-validation", Labels: map[string]string{}}
	if len(o.ClusterNames) > 0 {
		c.Name = o.ClusterNames[0]
	}
	if o.ClusterSelector != nil {
		for k, v := range o.ClusterSelector.MatchLabels {
			c.Labels[k] = v
		}
		for i, r := range o.ClusterSelector.MatchExpressions {
			switch r.Operator {
			case metav1.LabelSelectorOpIn:
				if len(r.Values) > 0 {
					c.Labels[r.Key] = r.Values[0]
				}
			case metav1.LabelSelectorOpExists:
				c.Labels[r.Key] = fmt.Sprintf("v%d", i)
			}
		}
	}
	return c, Selects(o, c)
}
