package dev

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"flotilla.dev/flotilla/internal/cli/options"
	"flotilla.dev/flotilla/internal/devfleet"
)

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := NewCommand(options.NewGlobal(&out, &errOut), Config{})
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestUpRejectsBadMemberCountsAsUsageErrors(t *testing.T) {
	for _, n := range []string{"0", "21", "-3"} {
		_, err := run(t, "up", "--members", n, "--home", t.TempDir())
		var usage *options.UsageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), "choose between 1 and 20") {
			t.Errorf("--members %s: err = %v, want a usage error", n, err)
		}
	}
}

func TestStatusWithoutAFleet(t *testing.T) {
	home := t.TempDir()
	_, err := run(t, "status", "--home", home)
	if !errors.Is(err, devfleet.ErrNoFleet) || !strings.Contains(err.Error(), "flotilla dev up") {
		t.Fatalf("err = %v, want ErrNoFleet pointing to 'flotilla dev up'", err)
	}
}

func TestDownWithoutAFleetIsANoOp(t *testing.T) {
	home := t.TempDir()
	out, err := run(t, "down", "--home", home)
	if err != nil || !strings.Contains(out, "removed the local fleet in "+home) {
		t.Fatalf("down = %q, %v", out, err)
	}
}

func TestSummary(t *testing.T) {
	f := &devfleet.Fleet{
		Home: "/h",
		Hub:  devfleet.Cluster{Name: "hub", KubeconfigPath: "/h/hub.kubeconfig"},
		Members: []devfleet.Cluster{
			{Name: "member-1", Region: "us-east", Zone: "us-east-a", KubeconfigPath: "/h/members/member-1/kubeconfig", Nodes: make([]devfleet.NodeSpec, 3)},
			{Name: "member-2", Region: "eu-west", Zone: "eu-west-a", KubeconfigPath: "/h/members/member-2/kubeconfig", Nodes: make([]devfleet.NodeSpec, 2)},
		},
	}
	var b bytes.Buffer
	printSummary(&b, f)
	want := `The local fleet is up: hub + 2 members in /h

Use the hub:
  export KUBECONFIG=/h/hub.kubeconfig

Members (kubeconfigs):
  member-1   us-east   us-east-a   3 nodes  /h/members/member-1/kubeconfig
  member-2   eu-west   eu-west-a   2 nodes  /h/members/member-2/kubeconfig

Next:
  flotilla get clusters
  flotilla get apps -A
  flotilla dev status
  flotilla dev down
`
	if b.String() != want {
		t.Errorf("summary:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestSummaryGivesPrometheusURL(t *testing.T) {
	f := &devfleet.Fleet{Home: "/h", Hub: devfleet.Cluster{
		Name: "hub", KubeconfigPath: "/h/hub.kubeconfig",
		Components: []devfleet.Component{{Name: devfleet.ComponentPrometheus, Port: 24567, Ports: []int{24567}}},
	}}
	var b bytes.Buffer
	printSummary(&b, f)
	if want := "\nPrometheus (sample traffic, PromQL):\n  http://127.0.0.1:24567\n"; !strings.Contains(b.String(), want) {
		t.Errorf("summary:\n%s\ndoes not hold:\n%s", b.String(), want)
	}
}

func TestTrafficIsHiddenAndChecksItsRate(t *testing.T) {
	cmd := NewCommand(options.NewGlobal(&bytes.Buffer{}, &bytes.Buffer{}), Config{})
	for _, c := range cmd.Commands() {
		if c.Name() == "traffic" && !c.Hidden {
			t.Error("dev traffic is listed in the help: it is for dev up, not for people")
		}
	}
	home := t.TempDir()
	if _, err := run(t, "traffic", "--home", home); !errors.Is(err, devfleet.ErrNoFleet) {
		t.Errorf("traffic without a fleet: %v, want ErrNoFleet", err)
	}
}

func TestStatusTable(t *testing.T) {
	var b bytes.Buffer
	sts := []devfleet.ComponentStatus{
		{Cluster: "hub", Component: "etcd", PID: 42, Port: 2379, Healthy: true, LogPath: "/h/hub/logs/etcd.log"},
		{Cluster: "member-1", Component: "kube-apiserver", Port: 6443, Detail: "not running", LogPath: "/h/m/api.log"},
	}
	printStatus(&b, sts)
	want := `CLUSTER   COMPONENT       PID  PORT  HEALTH                  LOG
hub       etcd            42   2379  healthy                 /h/hub/logs/etcd.log
member-1  kube-apiserver  -    6443  unhealthy: not running  /h/m/api.log
`
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
	if unhealthy(sts) != 1 {
		t.Errorf("unhealthy = %d", unhealthy(sts))
	}
}
