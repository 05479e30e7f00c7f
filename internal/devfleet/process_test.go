package devfleet

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/utils/clock"
)

func sleeper(t *testing.T, dir string) Component {
	t.Helper()
	bin, err := filepathLookSh()
	if err != nil {
		t.Skip("no /bin/sh")
	}
	return Component{
		Name: "sleeper", Binary: bin, Args: []string{"-c", "echo started; sleep 60; true"},
		LogPath: filepath.Join(dir, "logs", "sleeper.log"), PIDPath: filepath.Join(dir, "run", "sleeper.pid"),
	}
}

func filepathLookSh() (string, error) {
	_, err := os.Stat("/bin/sh")
	return "/bin/sh", err
}

func TestStartAndStopProcess(t *testing.T) {
	dir := t.TempDir()
	comp := sleeper(t, dir)
	procs := newProcTable()
	pid, err := startProcess(procs, comp, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stopProcess(context.Background(), clock.RealClock{}, comp, time.Second) })
	deadline := time.Now().Add(10 * time.Second)
	for running(comp) != pid {
		if time.Now().After(deadline) {
			t.Fatalf("process %d is not seen as running", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := stopProcess(context.Background(), clock.RealClock{}, comp, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if running(comp) != 0 {
		t.Fatal("process still running after stop")
	}
	if _, err := os.Stat(comp.PIDPath); !os.IsNotExist(err) {
		t.Errorf("pid file left behind: %v", err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for done, _ := procs.exited(comp.PIDPath); !done; done, _ = procs.exited(comp.PIDPath) {
		if time.Now().After(deadline) {
			t.Fatal("the exit was not reaped")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRunningIgnoresRecycledPIDs(t *testing.T) {
	dir := t.TempDir()
	comp := sleeper(t, dir)
	if err := os.MkdirAll(filepath.Dir(comp.PIDPath), 0o755); err != nil {
		t.Fatal(err)
	}
	// Our own pid runs the test binary, not comp's binary.
	if err := os.WriteFile(comp.PIDPath, []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		t.Fatal(err)
	}
	if running(comp) != 0 {
		t.Fatal("a pid running another binary counts as the component")
	}
}

func TestStartProcessReportsAPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dir := t.TempDir()
	comp := sleeper(t, dir)
	comp.Ports = []int{l.Addr().(*net.TCPAddr).Port}
	_, err = startProcess(newProcTable(), comp, dir, true)
	if err == nil || !strings.Contains(err.Error(), "is in use by another process") {
		t.Fatalf("err = %v, want a port-in-use error", err)
	}
}

func TestDiedErrorShowsTheLogTail(t *testing.T) {
	dir := t.TempDir()
	comp := Component{Name: "kube-apiserver", LogPath: filepath.Join(dir, "api.log")}
	var log strings.Builder
	for i := range 15 {
		log.WriteString("line " + strconv.Itoa(i) + "\n")
	}
	if err := os.WriteFile(comp.LogPath, []byte(log.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	msg := diedError("member-2", comp, nil).Error()
	if !strings.HasPrefix(msg, "member-2 kube-apiserver is not running; log "+comp.LogPath) {
		t.Errorf("message %q", msg)
	}
	if strings.Contains(msg, "line 4\n") || !strings.Contains(msg, "line 5") || !strings.Contains(msg, "line 14") {
		t.Errorf("want exactly the last 10 lines:\n%s", msg)
	}
}
