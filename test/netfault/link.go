// Package netfault injects network faults between a test's clients and a real API server:
// a Link relays TCP to a target and can be cut (every open connection dropped, new ones
// refused) and restored, like a partition between the hub and a member cluster.
package netfault

import (
	"io"
	"net"
	"sync"
	"testing"
)

// Link is a TCP relay on 127.0.0.1 to one target address.
type Link struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]struct{}
}

// NewLink starts a relay to target; it is closed when the test ends.
func NewLink(t testing.TB, target string) *Link {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &Link{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	t.Cleanup(func() { _ = ln.Close(); l.Cut() })
	go l.serve()
	return l
}

// Addr is the host:port clients dial instead of the target.
func (l *Link) Addr() string { return l.ln.Addr().String() }

// Cut drops every open connection and refuses new ones until Restore.
func (l *Link) Cut() { l.set(true) }

// Restore lets connections through again.
func (l *Link) Restore() { l.set(false) }

func (l *Link) set(cut bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cut = cut
	if cut {
		for c := range l.conns {
			_ = c.Close()
		}
		l.conns = map[net.Conn]struct{}{}
	}
}

func (l *Link) serve() {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		if !l.track(c) {
			_ = c.Close()
			continue
		}
		go l.relay(c)
	}
}

// track records c unless the link is cut.
func (l *Link) track(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cut {
		return false
	}
	l.conns[c] = struct{}{}
	return true
}

func (l *Link) relay(c net.Conn) {
	up, err := net.Dial("tcp", l.target)
	if err != nil || !l.track(up) {
		_ = c.Close()
		if up != nil {
			_ = up.Close()
		}
		return
	}
	go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
	_, _ = io.Copy(c, up)
	_ = c.Close()
}
