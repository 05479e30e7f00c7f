package devfleet

import (
	"net"
	"testing"
)

func TestFreePortsAreDistinctFreeAndOutsideTheEphemeralRange(t *testing.T) {
	ports, err := freePorts(40)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if p < portRangeLow || p >= portRangeHigh {
			t.Errorf("port %d outside [%d, %d)", p, portRangeLow, portRangeHigh)
		}
		if seen[p] {
			t.Errorf("port %d handed out twice", p)
		}
		seen[p] = true
		l, err := net.Listen("tcp", local(p))
		if err != nil {
			t.Errorf("port %d is not free: %v", p, err)
			continue
		}
		_ = l.Close()
	}
	if len(ports) != 40 {
		t.Errorf("%d ports, want 40", len(ports))
	}
}
