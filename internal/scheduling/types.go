package scheduling

import (
	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/scheduling/framework"
)

// Cluster is what the scheduler knows of one member cluster; see framework.Cluster.
type Cluster = framework.Cluster

// UnknownCapacity is the Cluster.AvailableReplicas of a cluster whose capacity is not known.
const UnknownCapacity = framework.UnknownCapacity

// Input is everything one scheduling decision depends on.
type Input struct {
	// Placement is the Application's spec.placement.
	Placement flotillav1alpha1.Placement
	// Replicas is the workload's desired total replica count (spec.replicas of the workload, or
	// the autoscaler's desired count). Must not be negative.
	Replicas int32
	// Clusters are the member clusters to consider. Names must be unique.
	Clusters []Cluster
	// Previous is the current placement (Application status.clusters: name and replicas).
	Previous []Assignment
	// Excluded names clusters that must not be chosen, e.g. clusters being failed over.
	Excluded map[string]bool
}

// Assignment is the replicas given to one cluster.
type Assignment struct {
	// Name of the member cluster.
	Name string
	// Replicas the cluster runs: the full count for Duplicated, a share for Divided. May be 0
	// for Divided: the cluster was selected but its share rounds to nothing.
	Replicas int32
	// Reason says why the cluster got these replicas, for status.clusters[].reason.
	Reason string
}

// Rejection is a cluster left out by a filter, and why.
type Rejection struct {
	// Cluster name.
	Cluster string
	// Plugin that rejected it (or "Excluded", "StaticWeights", "Spread").
	Plugin string
	// Reason for the user.
	Reason string
}

// Decision is the outcome of Schedule.
//
// Clusters is the new placement. When it is empty and Unschedulable is set, nothing can be
// placed: keep what runs now and report condition Scheduled=False, reason NoClusterFits, with
// Unschedulable as the message. When Clusters is not empty and Unschedulable is set, the
// placement was made but does not fit entirely (e.g. the fleet has room for fewer replicas than
// desired): apply it, and show Unschedulable in the Scheduled condition's message.
type Decision struct {
	// Clusters are the chosen clusters, sorted by name.
	Clusters []Assignment
	// Unschedulable says why nothing, or not everything, fits, naming plugins and clusters;
	// empty when everything fits.
	Unschedulable string
	// Rejected lists the clusters filtered out, sorted by name, for "why not this cluster".
	Rejected []Rejection
}
