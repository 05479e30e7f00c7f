package rollout

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
	"k8s.io/utils/clock"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// spinEvery is how often the spinner turns on a terminal.
const spinEvery = 200 * time.Millisecond

// display shows an Application as it changes: on a terminal, the status view redrawn in place
// under a spinner; otherwise one line per change, and the whole view once at the end.
type display struct {
	out      io.Writer
	terminal bool
	// width and height of the terminal; 0 when unknown.
	width, height int
	clock         clock.PassiveClock
	start         time.Time

	app      *flotillav1alpha1.Application
	lastLine string
	problem  string
	drawn    int
	frame    int
}

func newDisplay(out io.Writer, c clock.PassiveClock) *display {
	d := &display{out: out, clock: c, start: c.Now()}
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		d.terminal = true
		d.width, d.height, _ = term.GetSize(int(f.Fd()))
	}
	return d
}

// update shows a new state of the Application.
func (d *display) update(app *flotillav1alpha1.Application) {
	d.app, d.problem = app, ""
	if d.terminal {
		d.redraw(true)
		return
	}
	d.println(Line(app))
}

// tick turns the spinner and refreshes the ages on a terminal.
func (d *display) tick() {
	d.frame++
	if d.terminal && d.app != nil {
		d.redraw(true)
	}
}

// retry reports that the hub did not answer.
func (d *display) retry(err error) {
	d.problem = fmt.Sprintf("the hub did not answer (%v); trying again every %s", err, retryEvery)
	if d.terminal {
		if d.app != nil {
			d.redraw(true)
		}
		return
	}
	d.println(d.problem)
}

// final shows the whole view of app, without the spinner.
func (d *display) final(app *flotillav1alpha1.Application) {
	d.app = app
	if d.terminal {
		d.redraw(false)
		return
	}
	PrintStatus(d.out, app, d.clock.Now())
}

func (d *display) println(line string) {
	if line != d.lastLine {
		fmt.Fprintln(d.out, line)
		d.lastLine = line
	}
}

// redraw replaces the frame on screen with the view of the latest Application, in one write;
// spinning frames are fitted to the terminal and end with the spinner's line.
func (d *display) redraw(spinning bool) {
	var view bytes.Buffer
	now := d.clock.Now()
	PrintStatus(&view, d.app, now)
	var status string
	if spinning {
		status = fmt.Sprintf("%c watching %s for %s (Ctrl-C stops watching, not the rollout)",
			`|/-\`[d.frame%4], d.app.Name, now.Sub(d.start).Round(time.Second))
		if d.problem != "" {
			status += "; " + d.problem
		}
	}
	width, height := d.width, d.height
	if !spinning {
		width, height = 0, 0 // the last frame stays: whole, reasons and values uncut
	}
	lines := Frame(strings.Split(strings.TrimRight(view.String(), "\n"), "\n"), status, width, height)
	var out bytes.Buffer
	if d.drawn > 0 {
		fmt.Fprintf(&out, "\033[%dA\r\033[J", d.drawn)
	}
	for _, l := range lines {
		out.WriteString(l + "\n")
	}
	_, _ = d.out.Write(out.Bytes())
	d.drawn = len(lines)
}

// Frame fits the lines of a view and a status line (none when empty) into a terminal of width x
// height (0: unbounded), so that redrawing in place never scrolls: long lines are cut, and the
// view is cut above the status line with a note of how much was left out.
func Frame(view []string, status string, width, height int) []string {
	lines := append([]string(nil), view...)
	room := height - 1 // the cursor's line after the frame
	if status != "" {
		room--
	}
	if height > 0 && len(lines) > room {
		keep := max(room-1, 0)
		lines = append(lines[:keep], fmt.Sprintf("... %d more lines: enlarge the terminal, or use --watch=false", len(view)-keep))
	}
	if status != "" {
		lines = append(lines, status)
	}
	if width > 0 {
		for i, l := range lines {
			if r := []rune(l); len(r) > width-1 {
				lines[i] = string(r[:max(width-1, 0)])
			}
		}
	}
	return lines
}
