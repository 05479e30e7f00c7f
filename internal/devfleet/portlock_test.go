package devfleet

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// TestAPortReservedByAnotherProcessIsSkipped reserves a port in a child process (this test
// binary re-run) and checks that this process cannot reserve it while the child holds it, and
// can once it exits.
func TestAPortReservedByAnotherProcessIsSkipped(t *testing.T) {
	if port := os.Getenv("FLOTILLA_TEST_HOLD_PORT"); port != "" {
		p, _ := strconv.Atoi(port)
		if !reservePort(p) {
			os.Exit(3)
		}
		_, _ = os.Stdout.WriteString("held\n")
		buf := make([]byte, 1)
		_, _ = os.Stdin.Read(buf) // hold until the parent closes stdin
		os.Exit(0)
	}
	port := portRangeLow + 1234
	child := exec.Command(os.Args[0], "-test.run=^TestAPortReservedByAnotherProcessIsSkipped$")
	child.Env = append(os.Environ(), "FLOTILLA_TEST_HOLD_PORT="+strconv.Itoa(port))
	stdin, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := out.Read(buf); err != nil || string(buf[:4]) != "held" {
		t.Fatalf("the child did not reserve the port: %q %v", buf, err)
	}
	if reservePort(port) {
		t.Fatal("reserved a port another process holds")
	}
	_ = stdin.Close()
	if err := child.Wait(); err != nil {
		t.Fatal(err)
	}
	if !reservePort(port) {
		t.Fatal("the port stays reserved after the holder exited")
	}
	if !reservePort(port) {
		t.Fatal("this process cannot reserve a port it already holds")
	}
}
