package devfleet

import (
	"fmt"
	"io"
	"sync"
)

// lineWriter writes whole progress lines from parallel goroutines.
type lineWriter struct {
	mu  sync.Mutex
	out io.Writer
}

func newLineWriter(out io.Writer) *lineWriter {
	if out == nil {
		out = io.Discard
	}
	return &lineWriter{out: out}
}

func (w *lineWriter) printf(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fmt.Fprintf(w.out, format+"\n", args...)
}
