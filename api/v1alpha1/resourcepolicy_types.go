package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TuningMode says whether a ResourcePolicy only recommends or also applies.
// +kubebuilder:validation:Enum=Recommend;Auto
type TuningMode string

const (
	// TuningRecommend computes what Auto would do and shows it in status; pods are not touched.
	TuningRecommend TuningMode = "Recommend"
	// TuningAuto resizes pods in place to the recommendation, batch by batch.
	TuningAuto TuningMode = "Auto"
)

// ResourcePolicySpec tunes the CPU and memory requests and limits of an Application's
// containers in place (the pod resize subresource) from usage observed in every cluster.
// +kubebuilder:validation:XValidation:rule="has(self.targetRef) != has(self.selector)",message="set exactly one of spec.targetRef (one Application) or spec.selector (Applications by label)"
type ResourcePolicySpec struct {
	// TargetRef names one Application in the policy's namespace.
	// +optional
	TargetRef *ApplicationReference `json:"targetRef,omitempty"`
	// Selector picks the Applications of the policy's namespace by their labels.
	// +optional
	Selector *metav1.LabelSelector `json:"selector,omitempty"`

	// Mode is Recommend (default: status shows what Auto would do) or Auto (pods are resized).
	// +optional
	// +kubebuilder:default=Recommend
	Mode TuningMode `json:"mode,omitempty"`

	// Containers holds a policy per container name; the name "*" applies to every container
	// without its own entry.
	// +required
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=20
	Containers []ContainerTuning `json:"containers"`

	// Window is how far back usage counts (default 24h).
	// +optional
	Window *metav1.Duration `json:"window,omitempty"`

	// Update limits how fast and how widely changes are made.
	// +optional
	Update TuningUpdate `json:"update,omitempty"`

	// Safety guards memory limits and reverts changes that hurt.
	// +optional
	Safety TuningSafety `json:"safety,omitempty"`

	// Burst raises a limit quickly when a container approaches it, instead of waiting for the
	// long-window recommendation. Unset: no burst path.
	// +optional
	Burst *TuningBurst `json:"burst,omitempty"`
}

// ContainerTuning is the policy of one container (or "*").
type ContainerTuning struct {
	// Name of the container, or "*" for every container without its own entry.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Name string `json:"name"`
	// Targets say what each tuned value follows, e.g. the CPU request at P90 of usage, the
	// memory limit at the peak + 20%. A value without a target is left as it is.
	// +required
	// +listType=map
	// +listMapKey=resource
	// +listMapKey=field
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=4
	Targets []ResourceTarget `json:"targets"`
	// MinAllowed bounds every tuned value of a resource from below (requests and limits).
	// +optional
	MinAllowed corev1.ResourceList `json:"minAllowed,omitempty"`
	// MaxAllowed bounds every tuned value of a resource from above.
	// +optional
	MaxAllowed corev1.ResourceList `json:"maxAllowed,omitempty"`
}

// TunedResource is a resource Flotilla tunes.
// +kubebuilder:validation:Enum=cpu;memory
type TunedResource string

// TunedField is the half of a container's resources a target sets.
// +kubebuilder:validation:Enum=request;limit
type TunedField string

// The tuned resources and fields.
const (
	TunedCPU     TunedResource = "cpu"
	TunedMemory  TunedResource = "memory"
	TunedRequest TunedField    = "request"
	TunedLimit   TunedField    = "limit"
)

// ResourceTarget sets one value (resource × field) from a percentile of usage over the window.
type ResourceTarget struct {
	// Resource is cpu or memory.
	// +required
	Resource TunedResource `json:"resource"`
	// Field is request or limit. The container must already set it.
	// +required
	Field TunedField `json:"field"`
	// Percentile of usage over the window, 0 to 100; 100 is the peak.
	// +required
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	Percentile int32 `json:"percentile"`
	// MarginPercent is added on top of the percentile (default 0).
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	MarginPercent int32 `json:"marginPercent,omitempty"`
}

// TuningUpdate limits changes.
type TuningUpdate struct {
	// MaxStepPercent is the largest change of a value in one step, up or down (default 50).
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	MaxStepPercent *int32 `json:"maxStepPercent,omitempty"`
	// MinChangePercent: smaller changes are not made, so noise does not resize pods (default 10).
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	MinChangePercent *int32 `json:"minChangePercent,omitempty"`
	// MinInterval between two recommended changes (default 10m). Burst raises ignore it.
	// +optional
	MinInterval *metav1.Duration `json:"minInterval,omitempty"`
	// MinSamples of usage before the first recommendation (default 30).
	// +optional
	// +kubebuilder:validation:Minimum=1
	MinSamples *int32 `json:"minSamples,omitempty"`
	// BatchSize is how many of an application's pods (count or percentage, per cluster) are
	// resized at once; the next batch waits until the last one shows the new resources in
	// status (default 25%).
	// +optional
	// +kubebuilder:validation:XIntOrString
	BatchSize *intstr.IntOrString `json:"batchSize,omitempty"`
}

// TuningSafety guards memory limits and watches every change.
type TuningSafety struct {
	// MemoryMarginPercent: a memory limit is never lowered below the observed peak in the
	// window nor below the current usage plus this margin (default 20).
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	MemoryMarginPercent *int32 `json:"memoryMarginPercent,omitempty"`
	// ObserveFor is how long after a change its pods are watched (default 5m).
	// +optional
	ObserveFor *metav1.Duration `json:"observeFor,omitempty"`
	// MaxRestarts of the changed pods' containers while observed before the change is reverted
	// (default 0: any restart reverts).
	// +optional
	// +kubebuilder:validation:Minimum=0
	MaxRestarts *int32 `json:"maxRestarts,omitempty"`
	// MaxOOMKills while observed before the change is reverted (default 0).
	// +optional
	// +kubebuilder:validation:Minimum=0
	MaxOOMKills *int32 `json:"maxOOMKills,omitempty"`
	// MaxThrottledPercent: the share of samples, in percent, in which a changed container ran
	// at its CPU limit while observed, above which the change is reverted (default 50; 100
	// never reverts on throttling).
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	MaxThrottledPercent *int32 `json:"maxThrottledPercent,omitempty"`
	// HoldAfterRevert: no recommended change is made for this long after a revert, automatic or
	// by hand (default 1h).
	// +optional
	HoldAfterRevert *metav1.Duration `json:"holdAfterRevert,omitempty"`
}

// TuningBurst is the fast path for containers near a limit.
type TuningBurst struct {
	// MemoryThresholdPercent: a container whose working set reaches this share of its memory
	// limit gets the limit raised (default 90).
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	MemoryThresholdPercent *int32 `json:"memoryThresholdPercent,omitempty"`
	// CPUThresholdPercent: a container using this share of its CPU limit (throttled) gets the
	// limit raised (default 90).
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	CPUThresholdPercent *int32 `json:"cpuThresholdPercent,omitempty"`
	// StepPercent: how much a burst raises the limit, at least above the usage (default 50).
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	StepPercent *int32 `json:"stepPercent,omitempty"`
}

// ResourcePolicyStatus is what the tuner measured, recommends and did.
type ResourcePolicyStatus struct {
	// ObservedGeneration is the spec generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Applications the policy selects, sorted.
	// +optional
	Applications []string `json:"applications,omitempty"`
	// Recommendations per Application and container: what Auto does or would do.
	// +optional
	Recommendations []TuningRecommendation `json:"recommendations,omitempty"`
	// CurrentRevision is the revision pods are being resized to (0: none yet).
	// +optional
	CurrentRevision int64 `json:"currentRevision,omitempty"`
	// History of applied revisions, newest last; the oldest are dropped beyond 50.
	// +optional
	History []TuningRevision `json:"history,omitempty"`
	// Pods counts the selected pods and how many run the current revision's resources.
	// +optional
	Pods TuningPods `json:"pods,omitempty"`
	// Failures are resizes a member refused, retried with a backoff.
	// +optional
	Failures []ResizeFailure `json:"failures,omitempty"`
	// HoldUntil: no recommended change before this time (after a revert).
	// +optional
	HoldUntil *metav1.Time `json:"holdUntil,omitempty"`
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// TuningRecommendation is the recommendation for one container of one Application.
type TuningRecommendation struct {
	Application string `json:"application"`
	Container   string `json:"container"`
	// Current and Recommended resources.
	// +optional
	Current corev1.ResourceRequirements `json:"current,omitempty"`
	// +optional
	Recommended corev1.ResourceRequirements `json:"recommended,omitempty"`
	// Changed: Recommended differs enough from Current to be applied.
	// +optional
	Changed bool `json:"changed,omitempty"`
	// Reasons explain each value with its measured inputs.
	// +optional
	Reasons []string `json:"reasons,omitempty"`
	// Usage is the measured profile: samples and percentiles.
	// +optional
	Usage UsageSummary `json:"usage,omitempty"`
}

// UsageSummary sums up a container's usage over the window.
type UsageSummary struct {
	// +optional
	Samples int64 `json:"samples,omitempty"`
	// +optional
	Since *metav1.Time `json:"since,omitempty"`
	// CPU P50, P90 and peak, and memory P50, P90 and peak.
	// +optional
	CPU map[string]string `json:"cpu,omitempty"`
	// +optional
	Memory map[string]string `json:"memory,omitempty"`
}

// TuningRevision is one applied change of the containers' resources.
type TuningRevision struct {
	Revision int64       `json:"revision"`
	Time     metav1.Time `json:"time"`
	// Reason: Recommendation, Burst, AutoRevert or Revert.
	Reason string `json:"reason"`
	// Actor: the controller, or the user who asked for a revert.
	Actor string `json:"actor"`
	// Message says why with the measured inputs.
	// +optional
	Message string `json:"message,omitempty"`
	// Containers: the resources before and after, per Application and container.
	// +optional
	Containers []ContainerChange `json:"containers,omitempty"`
	// RevertedAt is set when this revision was reverted automatically.
	// +optional
	RevertedAt *metav1.Time `json:"revertedAt,omitempty"`
}

// ContainerChange is one container's resources before and after a revision.
type ContainerChange struct {
	Application string `json:"application"`
	Container   string `json:"container"`
	// +optional
	Before corev1.ResourceRequirements `json:"before,omitempty"`
	// +optional
	After corev1.ResourceRequirements `json:"after,omitempty"`
}

// TuningPods counts the selected pods.
type TuningPods struct {
	// +optional
	Total int32 `json:"total,omitempty"`
	// Updated pods run the current revision's resources (spec and status).
	// +optional
	Updated int32 `json:"updated,omitempty"`
	// Pending pods were resized and their members have not reported the new resources yet.
	// +optional
	Pending int32 `json:"pending,omitempty"`
}

// ResizeFailure is a resize a member refused.
type ResizeFailure struct {
	Cluster string `json:"cluster"`
	Pod     string `json:"pod"`
	Message string `json:"message"`
	// Attempts so far; RetryAt is when the next one is due.
	// +optional
	Attempts int32       `json:"attempts,omitempty"`
	RetryAt  metav1.Time `json:"retryAt"`
}

// Annotations a user sets on a ResourcePolicy to act on it (the CLI sets them).
const (
	// AnnotationTuningRevert asks for a new revision that restores the resources of the named
	// revision (a number; "previous" for the one before the current).
	AnnotationTuningRevert = "tuning.flotilla.dev/revert-to"
	// AnnotationTuningRevertBy records who asked.
	AnnotationTuningRevertBy = "tuning.flotilla.dev/revert-by"
)

// Condition types of a ResourcePolicy.
const (
	// ConditionProfiling: usage samples are arriving.
	ConditionProfiling = "Profiling"
	// ConditionTuned: every selected pod runs the current revision's resources.
	ConditionTuned = "Tuned"
)

// ResourcePolicy tunes containers' resources in place from observed usage.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=rp,categories=flotilla
// +kubebuilder:printcolumn:name="Mode",type=string,JSONPath=`.spec.mode`
// +kubebuilder:printcolumn:name="Revision",type=integer,JSONPath=`.status.currentRevision`
// +kubebuilder:printcolumn:name="Pods",type=integer,JSONPath=`.status.pods.total`
// +kubebuilder:printcolumn:name="Updated",type=integer,JSONPath=`.status.pods.updated`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ResourcePolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ResourcePolicySpec   `json:"spec"`
	Status ResourcePolicyStatus `json:"status,omitempty"`
}

// ResourcePolicyList is a list of ResourcePolicies.
//
// +kubebuilder:object:root=true
type ResourcePolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ResourcePolicy `json:"items"`
}
