package devfleet

import (
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
)

// Ports are reserved across processes while a fleet starts: two processes that plan fleets at
// the same time (parallel test packages) could otherwise both find a port free and both hand it
// to a component, and the second component fails with "address already in use". A reservation
// is an exclusive flock on <temp>/flotilla-ports/<port>.lock, held until this process exits (the
// kernel releases it then, even on a crash); by then the component listens on the port itself.
var (
	reservedMu sync.Mutex
	reserved   = map[int]*os.File{}
)

// portLockDir is where the reservations live.
func portLockDir() string { return filepath.Join(os.TempDir(), "flotilla-ports") }

// reservePort reserves port for this process; false when another process holds it. Ports this
// process reserved before count as its own (a stopped component restarted on its old port).
func reservePort(port int) bool {
	reservedMu.Lock()
	defer reservedMu.Unlock()
	if _, ok := reserved[port]; ok {
		return true
	}
	dir := portLockDir()
	if err := os.MkdirAll(dir, 0o1777); err != nil { //nolint:gosec // G301: a shared, sticky folder of empty lock files, like /tmp
		return true // no reservations possible: fall back to the listen check alone
	}
	f, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(port)+".lock"), os.O_CREATE|os.O_RDWR, 0o666) //nolint:gosec // G302,G304: an empty lock file, shared by every user's fleets
	if err != nil {
		return true
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		return false
	}
	reserved[port] = f
	return true
}
