package console

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// Roles of the hub for console users and audit writers. Bind people to them (or to your own
// roles: the console asks the hub for every read and write, as the user).
const (
	// ViewerRole reads Flotilla's objects, their events and the audit trail; it changes nothing.
	ViewerRole = "flotilla-console-viewer"
	// AuditWriterRole may send audit records: the hub API server's audit webhook, Flotilla
	// controllers that run beside a separate console.
	AuditWriterRole = "flotilla-audit-writer"
)

// ClusterRoles returns the console's ClusterRoles (ViewerRole, AuditWriterRole).
func ClusterRoles() []rbacv1.ClusterRole {
	group := flotillav1alpha1.GroupVersion.Group
	read := []string{"get", "list", "watch"}
	return []rbacv1.ClusterRole{
		{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"},
			ObjectMeta: metav1.ObjectMeta{Name: ViewerRole},
			Rules: []rbacv1.PolicyRule{
				{APIGroups: []string{group}, Resources: []string{"memberclusters", "applications", "applicationrevisions", "changefreezes",
					"fleetautoscalers", "resourcepolicies"}, Verbs: read},
				{APIGroups: []string{"events.k8s.io"}, Resources: []string{"events"}, Verbs: read},
				{APIGroups: []string{group}, Resources: []string{AuditResource}, Verbs: []string{"list"}},
			},
		},
		{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"},
			ObjectMeta: metav1.ObjectMeta{Name: AuditWriterRole},
			Rules:      []rbacv1.PolicyRule{{APIGroups: []string{group}, Resources: []string{AuditResource}, Verbs: []string{"create"}}},
		},
	}
}
