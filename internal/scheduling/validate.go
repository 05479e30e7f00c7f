package scheduling

import (
	"fmt"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// maxWeight is the largest static weight, as the CRD allows.
const maxWeight = 10000

// validate rejects an Input the API should not have admitted, naming the field.
func validate(in *Input) error {
	if in.Replicas < 0 {
		return fmt.Errorf("replicas is %d; the desired replica count must be 0 or more", in.Replicas)
	}
	if err := validatePlacement(&in.Placement); err != nil {
		return err
	}
	seen := make(map[string]bool, len(in.Clusters))
	for i := range in.Clusters {
		name := in.Clusters[i].Name
		if name == "" || seen[name] {
			return fmt.Errorf("clusters[%d]: name %q is empty or repeated; pass every member cluster once", i, name)
		}
		seen[name] = true
	}
	return validatePrevious(in.Previous)
}

func validatePlacement(p *flotillav1alpha1.Placement) error {
	rs := &p.ReplicaScheduling
	switch rs.Type {
	case "", flotillav1alpha1.ReplicaSchedulingDuplicated, flotillav1alpha1.ReplicaSchedulingDivided:
	default:
		return fmt.Errorf("spec.placement.replicaScheduling.type %q is not supported; use Duplicated or Divided", rs.Type)
	}
	switch rs.Division {
	case "", flotillav1alpha1.ReplicaDivisionStaticWeights, flotillav1alpha1.ReplicaDivisionAvailableCapacity:
	default:
		return fmt.Errorf("spec.placement.replicaScheduling.division %q is not supported; use StaticWeights or AvailableCapacity", rs.Division)
	}
	for i, w := range rs.Weights {
		if w.Weight < 0 || w.Weight > maxWeight {
			return fmt.Errorf("spec.placement.replicaScheduling.weights[%d].weight is %d; use 0 to %d", i, w.Weight, maxWeight)
		}
	}
	if s := p.Spread; s != nil {
		if s.MinClusters < 0 || s.MaxClusters < 0 {
			return fmt.Errorf("spec.placement.spread: minClusters (%d) and maxClusters (%d) must not be negative", s.MinClusters, s.MaxClusters)
		}
		if s.MaxClusters > 0 && s.MinClusters > s.MaxClusters {
			return fmt.Errorf("spec.placement.spread.minClusters (%d) exceeds maxClusters (%d); lower minClusters or raise maxClusters", s.MinClusters, s.MaxClusters)
		}
	}
	return nil
}

func validatePrevious(prev []Assignment) error {
	seen := make(map[string]bool, len(prev))
	for i, a := range prev {
		if a.Name == "" || seen[a.Name] {
			return fmt.Errorf("previous[%d]: cluster name %q is empty or repeated; pass the current placement once per cluster", i, a.Name)
		}
		if a.Replicas < 0 {
			return fmt.Errorf("previous[%d] (%s): replicas is %d; must be 0 or more", i, a.Name, a.Replicas)
		}
		seen[a.Name] = true
	}
	return nil
}
