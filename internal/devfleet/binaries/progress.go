package binaries

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"
	"k8s.io/utils/clock"
)

// stillEvery is how often a long step reports that it is still running (plain output).
const stillEvery = 15 * time.Second

// progress writes progress lines: one per step, and while a step runs a "still building X...
// 2m30s" line every stillEvery, or a spinner updated in place when out is a terminal.
type progress struct {
	mu       sync.Mutex
	out      io.Writer
	terminal bool
	clock    clock.WithTicker
}

func newProgress(out io.Writer, c clock.WithTicker) *progress {
	if out == nil {
		out = io.Discard
	}
	f, ok := out.(*os.File)
	return &progress{out: out, terminal: ok && term.IsTerminal(int(f.Fd())), clock: c}
}

// Linef writes one line.
func (p *progress) Linef(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.out, format+"\n", args...)
}

// While reports that what is still running until the returned function is called.
func (p *progress) While(what string) (stop func()) {
	every := stillEvery
	if p.terminal {
		every = 200 * time.Millisecond
	}
	start := p.clock.Now()
	t := p.clock.NewTicker(every)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		frames := `|/-\`
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			case <-t.C():
				elapsed := p.clock.Since(start).Round(time.Second)
				p.mu.Lock()
				if p.terminal {
					fmt.Fprintf(p.out, "\r%c still %s... %s ", frames[i%len(frames)], what, elapsed)
				} else {
					fmt.Fprintf(p.out, "still %s... %s\n", what, elapsed)
				}
				p.mu.Unlock()
			}
		}
	}()
	return func() {
		t.Stop()
		close(done)
		<-finished
		if p.terminal {
			p.mu.Lock()
			fmt.Fprint(p.out, "\r\033[K")
			p.mu.Unlock()
		}
	}
}
