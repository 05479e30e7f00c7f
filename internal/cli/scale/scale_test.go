package scale_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"flotilla.dev/flotilla/internal/cli"
	"flotilla.dev/flotilla/internal/cli/scale"
)

// A wrong command line exits 2, naming what is wrong, before the hub is read.
func TestScaleUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"scale", "--replicas", "3"}, "expected one Application name, got 0 arguments"},
		{[]string{"scale", "web", "api", "--replicas", "3"}, "expected one Application name, got 2 arguments"},
		{[]string{"scale", "web"}, "--replicas is required"},
		{[]string{"scale", "web", "--replicas", "-1"}, "--replicas must be 0 or more, got -1"},
		{[]string{"scale", "web", "--replicas", "three"}, `invalid argument "three" for "--replicas"`},
		{[]string{"scale", "web", "--replicas", "3000000000"}, `invalid argument "3000000000" for "--replicas"`},
		{[]string{"scale", "web", "--replicas", "3", "--forse"}, "unknown flag: --forse"},
	} {
		var out, errOut bytes.Buffer
		code := cli.Execute(context.Background(), append(tt.args, "--kubeconfig", "/nonexistent"), &out, &errOut)
		if code != 2 || !strings.Contains(errOut.String(), tt.want) {
			t.Errorf("%v: exit %d, want 2 and %q\n%s%s", tt.args, code, tt.want, out.String(), errOut.String())
		}
	}
}

func TestScaledBy(t *testing.T) {
	at := time.Date(2026, 11, 23, 20, 30, 5, 0, time.FixedZone("CST", 8*3600))
	if got, want := scale.ScaledBy("alice", at), "flotilla scale by alice at 2026-11-23T12:30:05Z"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := scale.ScaledBy("", at), "flotilla scale by cli at 2026-11-23T12:30:05Z"; got != want {
		t.Errorf("without a user: got %q, want %q", got, want)
	}
}
