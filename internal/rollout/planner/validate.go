package planner

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// Validate checks what the CRD schema cannot: batch sizes, wave selectors, and that the
// workload is a Deployment (the canary is a second Deployment). workloadKind is the kind of the
// Application's workload. An empty list means valid.
func Validate(s *flotillav1alpha1.RolloutStrategy, workloadKind string, path *field.Path) field.ErrorList {
	if s == nil {
		return nil
	}
	var errs field.ErrorList
	if workloadKind != "" && workloadKind != "Deployment" {
		errs = append(errs, field.Invalid(path, workloadKind,
			"progressive rollouts need a Deployment workload; remove spec.rollout to release a "+workloadKind+" to every cluster at once"))
	}
	for i, b := range s.Batches {
		if _, err := ParseBatch(b.Replicas); err != nil {
			errs = append(errs, field.Invalid(path.Child("batches").Index(i).Child("replicas"), b.Replicas.String(), err.Error()))
		}
	}
	for i, w := range s.Waves {
		if w.ClusterSelector != nil {
			if _, err := metav1.LabelSelectorAsSelector(w.ClusterSelector); err != nil {
				errs = append(errs, field.Invalid(path.Child("waves").Index(i).Child("clusterSelector"), w.ClusterSelector, err.Error()))
			}
		}
	}
	if a := s.Analysis; a != nil && a.Interval != nil && a.Interval.Duration < 1e9 {
		errs = append(errs, field.Invalid(path.Child("analysis", "interval"), a.Interval.Duration.String(), "must be at least 1s"))
	}
	return errs
}
