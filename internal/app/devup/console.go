package devup

import (
	"context"
	"fmt"
	"io"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/internal/console"
	"flotilla.dev/flotilla/internal/devfleet"
)

// fieldOwner is what `dev up` applies as.
const fieldOwner = "flotilla-dev-up"

// EnsureConsoleAccess gives the local hub's token identities their roles: the admin everything,
// the viewer read access (and the audit trail), the API server's audit webhook the right to
// send records.
func EnsureConsoleAccess(ctx context.Context, hub client.Client) error {
	for _, role := range console.ClusterRoles() {
		r := role
		if err := hub.Patch(ctx, &r, client.Apply, client.FieldOwner(fieldOwner), client.ForceOwnership); err != nil { //nolint:staticcheck // SA1019: typed apply of a built-in kind
			return fmt.Errorf("creating ClusterRole %s: %w", r.Name, err)
		}
	}
	for _, b := range []struct{ name, group, role string }{
		{"flotilla-dev-admins", devfleet.GroupAdmins, "cluster-admin"},
		{"flotilla-dev-viewers", devfleet.GroupViewers, console.ViewerRole},
		{"flotilla-dev-audit-writers", devfleet.GroupAuditWriters, console.AuditWriterRole},
	} {
		crb := &rbacv1.ClusterRoleBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"},
			ObjectMeta: metav1.ObjectMeta{Name: b.name},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: b.group}},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: b.role},
		}
		if err := hub.Patch(ctx, crb, client.Apply, client.FieldOwner(fieldOwner), client.ForceOwnership); err != nil { //nolint:staticcheck // SA1019: typed apply of a built-in kind
			return fmt.Errorf("creating ClusterRoleBinding %s: %w", b.name, err)
		}
	}
	return nil
}

// printConsole tells how to open the console.
func printConsole(f *devfleet.Fleet, out io.Writer) error {
	tokens, err := f.Tokens()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "console: %s\n  sign in as %s with the token %s\n  (read-only: %s with %s; also in %s)\n",
		f.ConsoleURL(), devfleet.UserAdmin, tokens.Admin, devfleet.UserViewer, tokens.Viewer, f.Hub.Dir+"/pki/tokens.csv")
	return nil
}
