package get_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"flotilla.dev/flotilla/internal/cli"
)

// A wrong command line exits 2 for every kind, naming what is wrong, before the hub is read.
func TestGetUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"get", "autoscalers", "web", "api"}, "expected at most one autoscaler name, got 2 arguments"},
		{[]string{"get", "fa", "-o", "table"}, `-o/--output "table" is not supported`},
		{[]string{"get", "autoscaler", "-l", "a in (b"}, `-l/--selector "a in (b"`},
		{[]string{"get", "fa", "--selectr", "a=b"}, "unknown flag: --selectr"},
		{[]string{"get", "apps", "web", "api"}, "expected at most one application name, got 2 arguments"},
		{[]string{"get", "clusters", "a", "b"}, "expected at most one cluster name, got 2 arguments"},
	} {
		var out, errOut bytes.Buffer
		code := cli.Execute(context.Background(), append(tt.args, "--kubeconfig", "/nonexistent"), &out, &errOut)
		if code != 2 || !strings.Contains(errOut.String(), tt.want) {
			t.Errorf("%v: exit %d, want 2 and %q\n%s%s", tt.args, code, tt.want, out.String(), errOut.String())
		}
	}
}
