package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// MemberClusterSpec is how to reach a member cluster and how placement sees it.
type MemberClusterSpec struct {
	// SecretRef names the Secret in the flotilla-system namespace of the hub that holds the
	// member's kubeconfig under the key "kubeconfig". The credential never leaves that Secret.
	// +required
	SecretRef LocalSecretReference `json:"secretRef"`

	// Region of the cluster, copied to the topology.flotilla.dev/region label for selectors.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Region string `json:"region,omitempty"`

	// Zone of the cluster, copied to the topology.flotilla.dev/zone label for selectors.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Zone string `json:"zone,omitempty"`

	// Taints repel Applications that do not tolerate them.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	Taints []ClusterTaint `json:"taints,omitempty"`
}

// LocalSecretReference names a Secret in the hub's flotilla-system namespace.
type LocalSecretReference struct {
	// Name of the Secret.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// TaintEffect is what a cluster taint does to Applications that do not tolerate it.
// +kubebuilder:validation:Enum=NoSchedule;PreferNoSchedule;NoExecute
type TaintEffect string

// Taint effects, with the same meaning as node taints.
const (
	TaintEffectNoSchedule       TaintEffect = "NoSchedule"
	TaintEffectPreferNoSchedule TaintEffect = "PreferNoSchedule"
	TaintEffectNoExecute        TaintEffect = "NoExecute"
)

// ClusterTaint marks a cluster so that only tolerating Applications are placed there.
type ClusterTaint struct {
	// Key of the taint.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Key string `json:"key"`
	// Value of the taint.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Value string `json:"value,omitempty"`
	// Effect of the taint.
	// +required
	Effect TaintEffect `json:"effect"`
}

// MemberClusterStatus is what the fleet controller last observed of a member.
type MemberClusterStatus struct {
	// ObservedGeneration is the generation of the spec this status was computed from.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: Reachable and Ready.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// KubernetesVersion reported by the member's API server.
	// +optional
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`

	// Nodes counts the member's nodes.
	// +optional
	Nodes NodeCount `json:"nodes,omitempty"`

	// Resources summarizes the capacity of schedulable Ready nodes.
	// +optional
	Resources ResourceSummary `json:"resources,omitempty"`

	// LastProbeTime is when the member was last probed, successfully or not.
	// +optional
	LastProbeTime *metav1.Time `json:"lastProbeTime,omitempty"`

	// LastProbeLatencyMilliseconds is how long the last successful probe took.
	// +optional
	LastProbeLatencyMilliseconds int64 `json:"lastProbeLatencyMilliseconds,omitempty"`
}

// NodeCount counts nodes.
type NodeCount struct {
	// Total number of nodes.
	Total int32 `json:"total"`
	// Ready nodes.
	Ready int32 `json:"ready"`
}

// ResourceSummary is the capacity of a cluster's schedulable, Ready nodes.
type ResourceSummary struct {
	// Allocatable is the sum of node allocatable.
	// +optional
	Allocatable corev1.ResourceList `json:"allocatable,omitempty"`
	// Requested is the sum of the requests of pods that are bound and not finished.
	// +optional
	Requested corev1.ResourceList `json:"requested,omitempty"`
	// Available is Allocatable minus Requested, never negative.
	// +optional
	Available corev1.ResourceList `json:"available,omitempty"`
}

// MemberCluster is a Kubernetes cluster joined to the fleet.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=mc;cluster,categories=flotilla
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.status.kubernetesVersion`
// +kubebuilder:printcolumn:name="Nodes",type=integer,JSONPath=`.status.nodes.ready`,description="Ready nodes"
// +kubebuilder:printcolumn:name="Region",type=string,JSONPath=`.spec.region`
// +kubebuilder:printcolumn:name="CPU-Avail",type=string,JSONPath=`.status.resources.available.cpu`,priority=1
// +kubebuilder:printcolumn:name="Mem-Avail",type=string,JSONPath=`.status.resources.available.memory`,priority=1
// +kubebuilder:printcolumn:name="Zone",type=string,JSONPath=`.spec.zone`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 63",message="metadata.name must be a DNS label: lower-case letters, digits and '-', at most 63 characters"
type MemberCluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   MemberClusterSpec   `json:"spec"`
	Status MemberClusterStatus `json:"status,omitempty"`
}

// MemberClusterList is a list of MemberClusters.
//
// +kubebuilder:object:root=true
type MemberClusterList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []MemberCluster `json:"items"`
}
