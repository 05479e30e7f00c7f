package rollout

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	testingclock "k8s.io/utils/clock/testing"
)

func TestDisplayOnATerminalRedrawsInPlace(t *testing.T) {
	clk := testingclock.NewFakeClock(testNow)
	var out bytes.Buffer
	d := &display{out: &out, terminal: true, clock: clk, start: testNow}

	d.update(atGate())
	first := out.String()
	if strings.Contains(first, "\033[") || !strings.HasSuffix(first, "\n| watching web for 0s (Ctrl-C stops watching, not the rollout)\n") {
		t.Fatalf("first frame:\n%q", first)
	}
	lines := strings.Count(first, "\n")

	out.Reset()
	clk.Step(time.Second)
	d.tick()
	if got := out.String(); !strings.HasPrefix(got, fmt.Sprintf("\033[%dA\r\033[J", lines)) || !strings.Contains(got, "\n/ watching web for 1s") {
		t.Fatalf("a tick does not redraw the frame in place with the spinner turned:\n%q", got)
	}

	out.Reset()
	d.final(aborted())
	if got := out.String(); !strings.HasPrefix(got, fmt.Sprintf("\033[%dA\r\033[J", lines)) || strings.Contains(got, "watching") || !strings.Contains(got, "Aborted (AnalysisFailed)") {
		t.Fatalf("the final frame:\n%q", got)
	}
}

func TestDisplayElsewherePrintsALinePerChange(t *testing.T) {
	var out bytes.Buffer
	d := &display{out: &out, clock: testingclock.NewFakeClock(testNow), start: testNow}
	d.update(atGate())
	d.update(atGate())
	d.tick()
	d.retry(fmt.Errorf("connection refused"))
	d.update(atGate())
	want := "Paused (ManualGate): wave canary, batch 2/3 ready; waiting at gate web-bbbbbbbbbb/wave-1/batch-2 for `flotilla rollout promote`; analysis Successful\n" +
		"the hub did not answer (connection refused); trying again every 1s\n" +
		"Paused (ManualGate): wave canary, batch 2/3 ready; waiting at gate web-bbbbbbbbbb/wave-1/batch-2 for `flotilla rollout promote`; analysis Successful\n"
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}
