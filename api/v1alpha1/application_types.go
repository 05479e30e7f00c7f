package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// ApplicationSpec is a workload, the objects it needs, and where and how it runs.
// +kubebuilder:validation:XValidation:rule="!has(self.placement) || !has(self.placement.spread) || !has(self.placement.spread.maxClusters) || !has(self.placement.spread.minClusters) || self.placement.spread.minClusters <= self.placement.spread.maxClusters",message="spec.placement.spread.minClusters must not exceed spec.placement.spread.maxClusters",fieldPath=".placement.spread.minClusters"
type ApplicationSpec struct {
	// Resources are the manifests of the application: exactly one workload (apps/v1 Deployment
	// or StatefulSet) and the objects it depends on (ConfigMap, Secret, Service, ServiceAccount,
	// PersistentVolumeClaim). Dependencies are applied before the workload in every cluster.
	// Namespaced resources land in the Application's namespace; a resource naming another
	// namespace is refused by the controller (CEL cannot read embedded namespaces).
	// +required
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=64
	// +listType=atomic
	// +kubebuilder:validation:XValidation:rule="self.filter(r, r.kind == 'Deployment' || r.kind == 'StatefulSet').size() == 1",message="spec.resources must hold exactly one workload: one apps/v1 Deployment or StatefulSet"
	// +kubebuilder:validation:XValidation:rule="self.all(r, (r.apiVersion == 'apps/v1' && r.kind in ['Deployment', 'StatefulSet']) || (r.apiVersion == 'v1' && r.kind in ['ConfigMap', 'Secret', 'Service', 'ServiceAccount', 'PersistentVolumeClaim']))",message="spec.resources may hold only apps/v1 Deployment or StatefulSet and v1 ConfigMap, Secret, Service, ServiceAccount or PersistentVolumeClaim"
	// +kubebuilder:validation:XValidation:rule="self.all(r, has(r.metadata.name) && r.metadata.name != '')",message="every entry of spec.resources needs metadata.name"
	Resources []Manifest `json:"resources"`

	// Replicas, when set, is the application's replica count in place of the workload's
	// spec.replicas: the fleet-wide total for a Divided placement, the count per cluster for a
	// Duplicated one. It is what `flotilla scale`, `kubectl scale` (the scale subresource) and a
	// FleetAutoscaler change; it is not part of revisions, so scaling never starts a rollout.
	// +optional
	// +kubebuilder:validation:Minimum=0
	Replicas *int32 `json:"replicas,omitempty"`

	// Placement chooses the member clusters and divides the workload's replicas between them.
	// +optional
	Placement Placement `json:"placement,omitempty"`

	// Overrides change the manifests for some clusters: image, replicas, env, resources or a
	// JSON patch. They are applied in order; later entries win.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	Overrides []ClusterOverride `json:"overrides,omitempty"`

	// Failover, when set, moves the replicas of a member that has been lost for longer than the
	// tolerance onto healthy clusters, make-before-break. Unset means no failover.
	// +optional
	Failover *FailoverPolicy `json:"failover,omitempty"`

	// Rollout, when set, releases each new revision progressively: wave by wave of clusters,
	// batch by batch inside each cluster, with analysis and automatic rollback. Unset: a new
	// revision is applied to every cluster at once.
	// +optional
	Rollout *RolloutStrategy `json:"rollout,omitempty"`

	// RevisionHistoryLimit is how many old ApplicationRevisions are kept for undo.
	// +optional
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	RevisionHistoryLimit *int32 `json:"revisionHistoryLimit,omitempty"`
}

// Manifest is one Kubernetes object, as it would be applied to a cluster.
type Manifest struct {
	// +kubebuilder:validation:EmbeddedResource
	// +kubebuilder:pruning:PreserveUnknownFields
	runtime.RawExtension `json:",inline"`
}

// Placement chooses member clusters.
// +kubebuilder:validation:XValidation:rule="!has(self.clusterNames) || self.clusterNames.size() == 0 || !has(self.spread) || !has(self.spread.minClusters) || self.spread.minClusters <= self.clusterNames.size()",message="spec.placement.spread.minClusters exceeds the number of clusterNames",fieldPath=".spread.minClusters"
type Placement struct {
	// ClusterNames, when set, limits placement to these clusters.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=1000
	// +kubebuilder:validation:items:MaxLength=63
	ClusterNames []string `json:"clusterNames,omitempty"`

	// ClusterSelector, when set, limits placement to clusters whose labels match.
	// +optional
	ClusterSelector *metav1.LabelSelector `json:"clusterSelector,omitempty"`

	// Tolerations let the application be placed on tainted clusters.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	Tolerations []ClusterToleration `json:"tolerations,omitempty"`

	// Spread bounds how many clusters are used.
	// +optional
	Spread *SpreadConstraint `json:"spread,omitempty"`

	// ReplicaScheduling says whether every cluster runs the full replica count or a share of it.
	// +optional
	ReplicaScheduling ReplicaScheduling `json:"replicaScheduling,omitempty"`
}

// TolerationOperator is how a toleration matches a taint's value.
// +kubebuilder:validation:Enum=Equal;Exists
type TolerationOperator string

// Toleration operators.
const (
	TolerationOpEqual  TolerationOperator = "Equal"
	TolerationOpExists TolerationOperator = "Exists"
)

// ClusterToleration tolerates cluster taints, like a pod toleration tolerates node taints.
type ClusterToleration struct {
	// Key of the taint; empty with operator Exists tolerates every taint.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Key string `json:"key,omitempty"`
	// Operator, Equal (default) or Exists.
	// +optional
	// +kubebuilder:default=Equal
	Operator TolerationOperator `json:"operator,omitempty"`
	// Value to match with operator Equal.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Value string `json:"value,omitempty"`
	// Effect to tolerate; empty tolerates all effects.
	// +optional
	Effect TaintEffect `json:"effect,omitempty"`
}

// SpreadConstraint bounds the number of clusters an application is placed on.
type SpreadConstraint struct {
	// MinClusters is the fewest clusters to use; placement fails when fewer fit.
	// +optional
	// +kubebuilder:validation:Minimum=0
	MinClusters int32 `json:"minClusters,omitempty"`
	// MaxClusters is the most clusters to use; 0 means no limit.
	// +optional
	// +kubebuilder:validation:Minimum=0
	MaxClusters int32 `json:"maxClusters,omitempty"`
}

// ReplicaSchedulingType says how replicas are given to the chosen clusters.
// +kubebuilder:validation:Enum=Duplicated;Divided
type ReplicaSchedulingType string

// Replica scheduling types.
const (
	// ReplicaSchedulingDuplicated runs the workload's full replica count in every chosen cluster.
	ReplicaSchedulingDuplicated ReplicaSchedulingType = "Duplicated"
	// ReplicaSchedulingDivided divides the workload's replica count between the chosen clusters.
	ReplicaSchedulingDivided ReplicaSchedulingType = "Divided"
)

// ReplicaDivision says how Divided replicas are shared.
// +kubebuilder:validation:Enum=StaticWeights;AvailableCapacity
type ReplicaDivision string

// Replica divisions.
const (
	// ReplicaDivisionStaticWeights shares replicas in proportion to static weights.
	ReplicaDivisionStaticWeights ReplicaDivision = "StaticWeights"
	// ReplicaDivisionAvailableCapacity shares replicas in proportion to how many more replicas of
	// the pod template each cluster can fit.
	ReplicaDivisionAvailableCapacity ReplicaDivision = "AvailableCapacity"
)

// ReplicaScheduling says how replicas are given to the chosen clusters.
// +kubebuilder:validation:XValidation:rule="!has(self.weights) || self.weights.size() == 0 || self.weights.exists(w, w.weight > 0)",message="spec.placement.replicaScheduling.weights must not all be zero",fieldPath=".weights"
type ReplicaScheduling struct {
	// Type is Duplicated (default) or Divided.
	// +optional
	// +kubebuilder:default=Duplicated
	Type ReplicaSchedulingType `json:"type,omitempty"`
	// Division, for Divided, is StaticWeights (default) or AvailableCapacity.
	// +optional
	// +kubebuilder:default=StaticWeights
	Division ReplicaDivision `json:"division,omitempty"`
	// Weights, for StaticWeights, give clusters their share; a cluster no entry names gets
	// weight 1 when no weights are set at all, and 0 otherwise.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=1000
	Weights []ClusterWeight `json:"weights,omitempty"`
}

// ClusterWeight gives the clusters it selects a weight.
type ClusterWeight struct {
	// ClusterNames selects clusters by name.
	// +optional
	// +listType=set
	ClusterNames []string `json:"clusterNames,omitempty"`
	// ClusterSelector selects clusters by label.
	// +optional
	ClusterSelector *metav1.LabelSelector `json:"clusterSelector,omitempty"`
	// Weight of the selected clusters.
	// +required
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10000
	Weight int32 `json:"weight"`
}

// ClusterOverride changes the manifests for the clusters it selects. Selecting nothing (no names,
// no selector) selects every cluster.
type ClusterOverride struct {
	// ClusterNames selects clusters by name.
	// +optional
	// +listType=set
	ClusterNames []string `json:"clusterNames,omitempty"`
	// ClusterSelector selects clusters by label.
	// +optional
	ClusterSelector *metav1.LabelSelector `json:"clusterSelector,omitempty"`

	// Image rewrites container images of the workload.
	// +optional
	Image *ImageOverride `json:"image,omitempty"`
	// Replicas sets the workload's replicas in these clusters, replacing what placement chose.
	// +optional
	// +kubebuilder:validation:Minimum=0
	Replicas *int32 `json:"replicas,omitempty"`
	// Env sets environment variables of containers of the workload.
	// +optional
	// +listType=atomic
	Env []ContainerEnvOverride `json:"env,omitempty"`
	// Resources sets requests and limits of containers of the workload.
	// +optional
	// +listType=atomic
	Resources []ContainerResourcesOverride `json:"resources,omitempty"`
	// JSONPatch applies RFC 6902 operations to one resource (the workload by default).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	JSONPatch []JSONPatchOperation `json:"jsonPatch,omitempty"`
}

// ImageOverride rewrites parts of container image references.
// +kubebuilder:validation:XValidation:rule="has(self.registry) || has(self.tag)",message="an image override needs registry or tag"
type ImageOverride struct {
	// Container to change; empty changes every container and init container.
	// +optional
	Container string `json:"container,omitempty"`
	// Registry replaces the registry host of the image, e.g. registry.eu.example.com.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Registry string `json:"registry,omitempty"`
	// Tag replaces the image tag (or digest).
	// +optional
	// +kubebuilder:validation:MaxLength=128
	Tag string `json:"tag,omitempty"`
}

// ContainerEnvOverride sets environment variables of one container (all when empty).
type ContainerEnvOverride struct {
	// Container to change; empty changes every container.
	// +optional
	Container string `json:"container,omitempty"`
	// Env variables to set; an existing variable of the same name is replaced.
	// +required
	// +listType=atomic
	Env []corev1.EnvVar `json:"env"`
}

// ContainerResourcesOverride sets the resources of one container (all when empty).
type ContainerResourcesOverride struct {
	// Container to change; empty changes every container.
	// +optional
	Container string `json:"container,omitempty"`
	// Resources replace the container's requests and limits.
	// +required
	Resources corev1.ResourceRequirements `json:"resources"`
}

// JSONPatchOp is an RFC 6902 operation.
// +kubebuilder:validation:Enum=add;remove;replace
type JSONPatchOp string

// JSONPatchOperation is one RFC 6902 operation on one resource. Add and replace need a value;
// the controller checks that (CEL cannot see a schemaless value) and reports it in status.
type JSONPatchOperation struct {
	// Kind of the resource to patch; empty patches the workload.
	// +optional
	Kind string `json:"kind,omitempty"`
	// Name of the resource to patch; empty patches the only resource of that kind.
	// +optional
	Name string `json:"name,omitempty"`
	// Op is add, remove or replace.
	// +required
	Op JSONPatchOp `json:"op"`
	// Path is a JSON pointer, e.g. /spec/template/spec/containers/0/image.
	// +required
	// +kubebuilder:validation:Pattern=`^(/[^/]*)+$`
	Path string `json:"path"`
	// Value for add and replace.
	// +optional
	Value *apiextensionsv1.JSON `json:"value,omitempty"`
}

// FailBackPolicy says whether replicas return to a cluster that comes back after a failover.
// +kubebuilder:validation:Enum=Never;Automatic
type FailBackPolicy string

// Fail-back policies.
const (
	FailBackNever     FailBackPolicy = "Never"
	FailBackAutomatic FailBackPolicy = "Automatic"
)

// FailoverPolicy moves replicas away from a lost member cluster.
type FailoverPolicy struct {
	// TolerationSeconds is how long a member must be lost (NotReady or unreachable) before its
	// replicas are moved. Shorter blips move nothing.
	// +optional
	// +kubebuilder:default=60
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=86400
	TolerationSeconds int32 `json:"tolerationSeconds,omitempty"`
	// FailBack says whether replicas move back when the cluster returns; Never by default.
	// +optional
	// +kubebuilder:default=Never
	FailBack FailBackPolicy `json:"failBack,omitempty"`
	// MaxEvictionsPerMinute bounds how many clusters this application is moved away from per minute.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	MaxEvictionsPerMinute int32 `json:"maxEvictionsPerMinute,omitempty"`
}

// ApplicationStatus aggregates what runs in every cluster.
type ApplicationStatus struct {
	// ObservedGeneration is the generation of the spec this status reflects.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions: Scheduled, Applied, Available, Progressing.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// CurrentRevision is the name of the ApplicationRevision of the current spec.
	// +optional
	CurrentRevision string `json:"currentRevision,omitempty"`
	// StableRevision is the last revision that ran everywhere: what an aborted rollout goes
	// back to.
	// +optional
	StableRevision string `json:"stableRevision,omitempty"`
	// Rollout is the state of the progressive release of currentRevision (spec.rollout).
	// +optional
	Rollout *RolloutStatus `json:"rollout,omitempty"`
	// Workload names the application's workload.
	// +optional
	Workload *WorkloadReference `json:"workload,omitempty"`
	// Replicas is the desired replica count summed over clusters.
	// +optional
	Replicas int32 `json:"replicas"`
	// ReadyReplicas summed over reachable clusters; a lost cluster counts zero.
	// +optional
	ReadyReplicas int32 `json:"readyReplicas"`
	// UpdatedReplicas runs the current revision, summed over reachable clusters.
	// +optional
	UpdatedReplicas int32 `json:"updatedReplicas"`
	// AvailableReplicas summed over reachable clusters.
	// +optional
	AvailableReplicas int32 `json:"availableReplicas"`
	// Clusters is the placement and state per cluster, sorted by name.
	// +optional
	// +listType=map
	// +listMapKey=name
	Clusters []ClusterStatus `json:"clusters,omitempty"`
	// Evictions are clusters whose copy is kept only until replacements elsewhere are ready.
	// +optional
	// +listType=map
	// +listMapKey=cluster
	Evictions []Eviction `json:"evictions,omitempty"`
}

// WorkloadReference names a workload.
type WorkloadReference struct {
	// APIVersion of the workload.
	APIVersion string `json:"apiVersion"`
	// Kind of the workload.
	Kind string `json:"kind"`
	// Name of the workload.
	Name string `json:"name"`
}

// ClusterStatus is the placement of an application in one cluster and what runs there.
type ClusterStatus struct {
	// Name of the member cluster.
	Name string `json:"name"`
	// Replicas is the desired replica count in this cluster.
	Replicas int32 `json:"replicas"`
	// ReadyReplicas observed in this cluster.
	// +optional
	ReadyReplicas int32 `json:"readyReplicas"`
	// UpdatedReplicas observed in this cluster.
	// +optional
	UpdatedReplicas int32 `json:"updatedReplicas"`
	// AvailableReplicas observed in this cluster.
	// +optional
	AvailableReplicas int32 `json:"availableReplicas"`
	// AppliedRevision is the ApplicationRevision last applied to this cluster.
	// +optional
	AppliedRevision string `json:"appliedRevision,omitempty"`
	// Reachable is False while the cluster cannot be reached; its replicas then count as not ready.
	// +optional
	Reachable metav1.ConditionStatus `json:"reachable,omitempty"`
	// Reason is why the cluster was chosen, or why applying failed.
	// +optional
	Reason string `json:"reason,omitempty"`
	// Message is the member's own message when it rejected a resource.
	// +optional
	Message string `json:"message,omitempty"`
}

// Eviction is a lost cluster whose copy is kept until the replicas moved elsewhere are ready.
type Eviction struct {
	// Cluster that was lost.
	Cluster string `json:"cluster"`
	// Replicas that ran there and were moved.
	Replicas int32 `json:"replicas"`
	// Since is when the eviction started.
	Since metav1.Time `json:"since"`
}

// Application is a workload and its dependencies, placed on member clusters by policy.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:subresource:scale:specpath=.spec.replicas,statuspath=.status.replicas
// +kubebuilder:resource:shortName=app,categories=flotilla
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Available")].status`
// +kubebuilder:printcolumn:name="Replicas",type=integer,JSONPath=`.status.replicas`
// +kubebuilder:printcolumn:name="Ready-Replicas",type=integer,JSONPath=`.status.readyReplicas`
// +kubebuilder:printcolumn:name="Revision",type=string,JSONPath=`.status.currentRevision`
// +kubebuilder:printcolumn:name="Stable",type=string,JSONPath=`.status.stableRevision`,priority=1
// +kubebuilder:printcolumn:name="Rollout",type=string,JSONPath=`.status.rollout.phase`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Application struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ApplicationSpec   `json:"spec"`
	Status ApplicationStatus `json:"status,omitempty"`
}

// ApplicationList is a list of Applications.
//
// +kubebuilder:object:root=true
type ApplicationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Application `json:"items"`
}
