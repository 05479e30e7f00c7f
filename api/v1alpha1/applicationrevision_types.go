package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ApplicationRevisionSpec is an immutable snapshot of what an Application deploys.
type ApplicationRevisionSpec struct {
	// Revision is the sequence number of this snapshot within its Application, from 1.
	// +required
	// +kubebuilder:validation:Minimum=1
	Revision int64 `json:"revision"`
	// Resources as they were in the Application.
	// +required
	// +listType=atomic
	Resources []Manifest `json:"resources"`
	// Overrides as they were in the Application.
	// +optional
	// +listType=atomic
	Overrides []ClusterOverride `json:"overrides,omitempty"`
	// ChangeCause is why the revision was made (the kubernetes.io/change-cause annotation of the
	// Application, or the command that made it, e.g. "undo to revision 3").
	// +optional
	ChangeCause string `json:"changeCause,omitempty"`
}

// ApplicationRevision is an immutable snapshot of an Application's resources and overrides.
// Undo copies a kept revision back into its Application.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=apprev,categories=flotilla
// +kubebuilder:printcolumn:name="Application",type=string,JSONPath=`.metadata.labels.flotilla\.dev/application`
// +kubebuilder:printcolumn:name="Revision",type=integer,JSONPath=`.spec.revision`
// +kubebuilder:printcolumn:name="Change-Cause",type=string,JSONPath=`.spec.changeCause`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.spec == oldSelf.spec",message="spec of an ApplicationRevision is immutable"
type ApplicationRevision struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ApplicationRevisionSpec `json:"spec"`
}

// ApplicationRevisionList is a list of ApplicationRevisions.
//
// +kubebuilder:object:root=true
type ApplicationRevisionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ApplicationRevision `json:"items"`
}
