package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ChangeFreezeSpec is a fleet-wide health signal: while it is degraded, every rollout in the
// fleet holds where it is.
// +kubebuilder:validation:XValidation:rule="(has(self.podCreation) ? 1 : 0) + (has(self.prometheus) ? 1 : 0) <= 1",message="spec needs at most one signal: podCreation or prometheus"
type ChangeFreezeSpec struct {
	// Frozen freezes the fleet by hand, whatever the signal says.
	// +optional
	Frozen bool `json:"frozen,omitempty"`
	// PodCreation is the built-in signal: of the pods created in every member cluster during the
	// window, the share that became ready. No signal and not frozen: never freezes.
	// +optional
	PodCreation *PodCreationSignal `json:"podCreation,omitempty"`
	// Prometheus is a PromQL query returning one number, compared with max/min.
	// +optional
	Prometheus *FreezeQuery `json:"prometheus,omitempty"`
	// Interval between evaluations of the signal (default 5s).
	// +optional
	Interval *metav1.Duration `json:"interval,omitempty"`
	// RecoverAfter is how long the signal must be healthy again before the freeze lifts (default 30s).
	// +optional
	RecoverAfter *metav1.Duration `json:"recoverAfter,omitempty"`
}

// PodCreationSignal degrades when too few new pods become ready.
type PodCreationSignal struct {
	// MinSuccessPercent is the lowest healthy share of new pods that become ready (default 90).
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	MinSuccessPercent *int32 `json:"minSuccessPercent,omitempty"`
	// Window is how far back pods are counted (default 5m).
	// +optional
	Window *metav1.Duration `json:"window,omitempty"`
	// ReadyTimeout is how long a new pod has to become ready before it counts as failed
	// (default 30s); a crash-looping pod counts as failed at once.
	// +optional
	ReadyTimeout *metav1.Duration `json:"readyTimeout,omitempty"`
	// MinPods is how many new pods the window needs before the signal judges (default 5).
	// +optional
	// +kubebuilder:validation:Minimum=1
	MinPods *int32 `json:"minPods,omitempty"`
}

// FreezeQuery is a PromQL signal.
// +kubebuilder:validation:XValidation:rule="has(self.max) || has(self.min)",message="spec.prometheus needs max or min"
type FreezeQuery struct {
	// Address of the Prometheus server.
	// +required
	// +kubebuilder:validation:Pattern=`^https?://`
	Address string `json:"address"`
	// Query returning one number.
	// +required
	// +kubebuilder:validation:MinLength=1
	Query string `json:"query"`
	// Max degrades the signal when the value is above it.
	// +optional
	// +kubebuilder:validation:Pattern=`^-?[0-9]+(\.[0-9]+)?$`
	Max *string `json:"max,omitempty"`
	// Min degrades the signal when the value is below it.
	// +optional
	// +kubebuilder:validation:Pattern=`^-?[0-9]+(\.[0-9]+)?$`
	Min *string `json:"min,omitempty"`
}

// ChangeFreezeStatus is the latest evaluation of the signal.
type ChangeFreezeStatus struct {
	// Frozen is true while rollouts must hold.
	Frozen bool `json:"frozen"`
	// Since is when the freeze began (or, when not frozen, when it last lifted).
	// +optional
	Since *metav1.Time `json:"since,omitempty"`
	// Value is the signal's latest value.
	// +optional
	Value string `json:"value,omitempty"`
	// Message says why the fleet is frozen or healthy.
	// +optional
	Message string `json:"message,omitempty"`
	// HealthySince is when the signal last turned healthy while frozen.
	// +optional
	HealthySince *metav1.Time `json:"healthySince,omitempty"`
	// EvaluatedAt is when the signal was last evaluated.
	// +optional
	EvaluatedAt *metav1.Time `json:"evaluatedAt,omitempty"`
}

// ChangeFreeze pauses every rollout in the fleet while a global health signal is degraded.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,categories=flotilla
// +kubebuilder:printcolumn:name="Frozen",type=boolean,JSONPath=`.status.frozen`
// +kubebuilder:printcolumn:name="Value",type=string,JSONPath=`.status.value`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.message`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ChangeFreeze struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ChangeFreezeSpec   `json:"spec,omitempty"`
	Status ChangeFreezeStatus `json:"status,omitempty"`
}

// ChangeFreezeList is a list of ChangeFreezes.
//
// +kubebuilder:object:root=true
type ChangeFreezeList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ChangeFreeze `json:"items"`
}
