package devfleet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/utils/clock"
)

// procTable tracks the processes this process started, so their exit is noticed at once (and
// they are reaped) instead of being seen as zombies.
type procTable struct {
	mu    sync.Mutex
	exits map[string]chan error // by pid file
}

func newProcTable() *procTable { return &procTable{exits: map[string]chan error{}} }

func (t *procTable) track(pidPath string, cmd *exec.Cmd) {
	ch := make(chan error, 1)
	t.mu.Lock()
	t.exits[pidPath] = ch
	t.mu.Unlock()
	go func() { ch <- cmd.Wait() }()
}

// tracked reports whether this process started the process of pidPath.
func (t *procTable) tracked(pidPath string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exits[pidPath] != nil
}

// exited reports whether a tracked process has exited, and with which error.
func (t *procTable) exited(pidPath string) (done bool, exitErr error) {
	t.mu.Lock()
	ch := t.exits[pidPath]
	t.mu.Unlock()
	if ch == nil {
		return false, nil
	}
	select {
	case err := <-ch:
		ch <- err // keep the answer for the next caller
		if err == nil {
			err = errors.New("exit status 0")
		}
		return true, err
	default:
		return false, nil
	}
}

// startProcess starts comp in its own session with its output appended to its log file, and
// records its pid. The process outlives this one unless dieWithParent is set.
func startProcess(t *procTable, comp Component, dir string, dieWithParent bool) (int, error) {
	for _, d := range []string{filepath.Dir(comp.LogPath), filepath.Dir(comp.PIDPath)} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return 0, err
		}
	}
	if err := portsFree(comp); err != nil {
		return 0, err
	}
	logf, err := os.OpenFile(comp.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return 0, fmt.Errorf("opening the log of %s: %w", comp.Name, err)
	}
	defer func() { _ = logf.Close() }()
	cmd := exec.Command(comp.Binary, comp.Args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if dieWithParent {
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("starting %s: %w", comp.Name, err)
	}
	pid := cmd.Process.Pid
	t.track(comp.PIDPath, cmd)
	if err := os.WriteFile(comp.PIDPath, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		return 0, err
	}
	return pid, nil
}

// portsFree fails with a clear message when a port of comp is taken.
func portsFree(comp Component) error {
	for _, p := range comp.Ports {
		l, err := net.Listen("tcp", local(p))
		if err != nil {
			return fmt.Errorf("port %d of %s is in use by another process: free it (see 'ss -ltnp sport = :%d') or run 'flotilla dev down' and 'flotilla dev up' to get new ports", p, comp.Name, p)
		}
		_ = l.Close()
	}
	return nil
}

// readPID returns the pid recorded for comp, 0 when none.
func readPID(comp Component) int {
	raw, err := os.ReadFile(comp.PIDPath)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		return 0
	}
	return pid
}

// running returns the pid of comp when its recorded process is alive and still runs comp's
// binary (a recycled pid does not count); 0 otherwise. Zombies do not count.
func running(comp Component) int {
	pid := readPID(comp)
	if pid <= 0 {
		return 0
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	if i := bytes.LastIndexByte(stat, ')'); i > 0 && len(stat) > i+2 && (stat[i+2] == 'Z' || stat[i+2] == 'X') {
		return 0
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return 0
	}
	argv0, _, _ := bytes.Cut(cmdline, []byte{0})
	if string(argv0) != comp.Binary {
		return 0
	}
	return pid
}

// stopProcess stops comp's process group: SIGTERM, then SIGKILL after grace. It returns once
// the process is gone.
func stopProcess(ctx context.Context, c clock.WithTicker, comp Component, grace time.Duration) error {
	pid := running(comp)
	if pid == 0 {
		_ = os.Remove(comp.PIDPath)
		return nil
	}
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	deadline := c.Now().Add(grace)
	killed := false
	for running(comp) != 0 {
		if !killed && c.Now().After(deadline) {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			killed = true
		}
		select {
		case <-ctx.Done():
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			return ctx.Err()
		case <-c.After(50 * time.Millisecond):
		}
	}
	return os.Remove(comp.PIDPath)
}

// logTail returns the last n lines of comp's log.
func logTail(comp Component, n int) string {
	raw, err := os.ReadFile(comp.LogPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// diedError describes a component that exited.
func diedError(cluster string, comp Component, exitErr error) error {
	why := "is not running"
	if exitErr != nil {
		why = "exited (" + exitErr.Error() + ")"
	}
	return fmt.Errorf("%s %s %s; log %s, last lines:\n%s", cluster, comp.Name, why, comp.LogPath, indent(logTail(comp, 10)))
}

func indent(s string) string { return "    " + strings.ReplaceAll(s, "\n", "\n    ") }
