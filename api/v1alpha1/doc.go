// Package v1alpha1 holds Flotilla's API types, group flotilla.dev, version v1alpha1.
//
// One file per kind: MemberCluster (a joined member cluster and its observed
// health and capacity), Application (a workload and its dependencies, placed on
// member clusters by policy) and ApplicationRevision (an immutable snapshot of an
// Application's resources and overrides). conditions.go lists the condition
// types and their typed reasons.
//
// This package imports only the standard library and apimachinery/api types so
// that any client can depend on it cheaply.
//
// +kubebuilder:object:generate=true
// +groupName=flotilla.dev
package v1alpha1
