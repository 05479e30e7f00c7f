package devfleet

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/internal/devfleet/binaries"
)

func TestUpWithoutBinaries(t *testing.T) {
	_, err := Up(context.Background(), Options{Home: t.TempDir(), Members: 1, BinariesDir: t.TempDir()})
	if !errors.Is(err, binaries.ErrNotBuilt) || !strings.Contains(err.Error(), "make binaries") {
		t.Fatalf("err = %v, want ErrNotBuilt pointing to 'make binaries'", err)
	}
}

func TestUpRejectsBadMemberCounts(t *testing.T) {
	for _, n := range []int{0, 21} {
		if _, err := Up(context.Background(), Options{Home: t.TempDir(), Members: n}); err == nil || !strings.Contains(err.Error(), "members is") {
			t.Errorf("members %d: err = %v", n, err)
		}
	}
}

func realBinaries(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts API servers: skipped in -short mode")
	}
	dir, err := binaries.Ensure(context.Background(), binaries.DefaultPins, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// upOneMember starts a fleet with one member for a test that must end within timeout, and
// returns a context with that deadline, the fleet and an admin client of the member.
func upOneMember(t *testing.T, timeout time.Duration) (context.Context, *Fleet, client.Client) {
	t.Helper()
	bin := realBinaries(t)
	home := t.TempDir()
	t.Cleanup(func() { _ = Down(context.Background(), home, false) })
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	f, err := Up(ctx, Options{Home: home, Members: 1, BinariesDir: bin, StopWithParent: true})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := clusterClient(f.Members[0])
	if err != nil {
		t.Fatal(err)
	}
	return ctx, f, cl
}

// TestUpReportsAComponentThatDies starts fleets whose kube-apiserver, then metrics-server,
// exits at once: Up must fail naming the component, its log and the log's last lines, without
// waiting for the member's nodes, and leave no process running.
func TestUpReportsAComponentThatDies(t *testing.T) {
	real := realBinaries(t)
	for _, broken := range []string{binaries.KubeAPIServer, binaries.MetricsServer} {
		t.Run(broken, func(t *testing.T) {
			bin := t.TempDir()
			for _, name := range binaries.All {
				if err := os.Symlink(filepath.Join(real, name), filepath.Join(bin, name)); err != nil {
					t.Fatal(err)
				}
			}
			script := "#!/bin/sh\necho 'E0000 flag provided but not defined: --oops'\nexit 3\n"
			if err := os.Remove(filepath.Join(bin, broken)); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(bin, broken), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			home := t.TempDir()
			start := time.Now()
			_, err := Up(context.Background(), Options{Home: home, Members: 1, BinariesDir: bin, StopWithParent: true})
			t.Cleanup(func() { _ = Down(context.Background(), home, false) })
			if err == nil {
				t.Fatalf("Up succeeded with a %s that exits", broken)
			}
			if took := time.Since(start); took > 30*time.Second {
				t.Errorf("Up took %v to report the dead %s", took, broken)
			}
			for _, want := range []string{broken + " exited (exit status 3)", "logs/" + broken + ".log", "flag provided but not defined: --oops"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not say %q:\n%v", want, err)
				}
			}
			f, lerr := Load(home)
			if lerr != nil {
				t.Fatal(lerr)
			}
			for _, st := range f.Status(context.Background()) {
				if st.PID != 0 {
					t.Errorf("%s %s still runs (pid %d) after a failed Up", st.Cluster, st.Component, st.PID)
				}
			}
		})
	}
}

// TestUpIsIdempotentAndRestartsAStoppedFleet covers the life of a fleet: up, up again (reused),
// a process killed behind our back (reported, then restarted by Up), down keeping the data and
// up again (same objects), down.
func TestUpIsIdempotentAndRestartsAStoppedFleet(t *testing.T) {
	t.Parallel() // with TestPodMetricsFollowTheUsageAnnotations, which mostly waits for scrapes
	bin := realBinaries(t)
	home := t.TempDir()
	ctx := context.Background()
	t.Cleanup(func() { _ = Down(context.Background(), home, false) })
	var out strings.Builder
	opts := Options{Home: home, Members: 1, BinariesDir: bin, StopWithParent: true, Out: &out}
	f, err := Up(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	opts.AfterUp = func(context.Context, *Fleet) error { calls++; return nil }
	if _, err := Up(ctx, opts); err != nil || !strings.Contains(out.String(), "reusing the healthy fleet") {
		t.Fatalf("second Up: %v\n%s", err, out.String())
	}
	if calls != 1 {
		t.Errorf("AfterUp ran %d times on a reused fleet, want 1", calls)
	}

	etcd, _ := f.Members[0].Component(ComponentEtcd)
	if err := syscall.Kill(running(etcd), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := poll(ctx, f.clock, "etcd to die", func() (bool, error) { return running(etcd) == 0, nil }); err != nil {
		t.Fatal(err)
	}
	if err := f.Healthy(ctx); err == nil || !strings.Contains(err.Error(), "member-1 etcd: not running") {
		t.Fatalf("Healthy after killing etcd = %v", err)
	}
	if _, err := Up(ctx, opts); err != nil {
		t.Fatalf("Up with a dead etcd: %v", err)
	}
	if err := f.Healthy(ctx); err != nil {
		t.Fatalf("not healthy after Up restarted etcd: %v", err)
	}

	if err := Down(ctx, home, true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(home, StateFile)); err != nil {
		t.Fatalf("Down with keepData removed the state: %v", err)
	}
	f, err = Up(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := ensureNodes(ctx, f.clock, f.Members[0]); err != nil {
		t.Fatalf("nodes after a restart: %v", err)
	}
	if err := Down(ctx, home, false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(home, StateFile)); !os.IsNotExist(err) {
		t.Fatalf("Down left the state behind: %v", err)
	}
}
