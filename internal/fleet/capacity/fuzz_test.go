package capacity

import (
	"encoding/binary"
	"math"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// bytesReader turns fuzz input into bounded numbers; it yields zeros when exhausted.
type bytesReader struct{ b []byte }

func (r *bytesReader) u16() int64 {
	if len(r.b) < 2 {
		r.b = nil
		return 0
	}
	v := binary.LittleEndian.Uint16(r.b)
	r.b = r.b[2:]
	return int64(v)
}

func (r *bytesReader) flag() bool { return r.u16()%4 != 0 } // mostly true

// quantity scales a 16-bit number so that both tiny and huge values occur.
func (r *bytesReader) quantity() int64 {
	v := r.u16()
	switch r.u16() % 8 {
	case 0:
		return v << 40
	case 1:
		return 0
	}
	return v
}

func decodeNodes(data []byte) ([]Node, PodNeeds) {
	r := &bytesReader{b: data}
	pod := PodNeeds{Requests: Resources{MilliCPU: r.quantity(), Memory: r.quantity()}}
	if r.u16()%3 == 0 {
		pod.NodeSelector = map[string]string{"disk": "ssd"}
	}
	if r.u16()%3 == 0 {
		pod.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpExists}}
	}
	var nodes []Node
	for len(r.b) > 0 && len(nodes) < 64 {
		n := Node{
			Ready:         r.flag(),
			Unschedulable: !r.flag(),
			Allocatable:   Resources{MilliCPU: r.quantity(), Memory: r.quantity(), Pods: r.u16() % 300},
			Requested:     Resources{MilliCPU: r.quantity(), Memory: r.quantity(), Pods: r.u16() % 300},
		}
		if r.u16()%2 == 0 {
			n.Labels = map[string]string{"disk": "ssd"}
		}
		switch r.u16() % 4 {
		case 0:
			n.Taints = []corev1.Taint{{Key: "dedicated", Value: "x", Effect: corev1.TaintEffectNoSchedule}}
		case 1:
			n.Taints = []corev1.Taint{{Key: "other", Effect: corev1.TaintEffectNoExecute}}
		}
		nodes = append(nodes, n)
	}
	return nodes, pod
}

// FuzzEstimate checks the invariants of the estimate on arbitrary nodes: never negative; the
// estimate placed on the nodes never exceeds any node's free resources and one more replica
// would; the sum is the sum of the nodes; more free room never means fewer replicas.
func FuzzEstimate(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0xf4, 0x01, 2, 0, 0, 4, 2, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0xa0, 0x0f, 2, 0, 0, 0x40, 2, 0, 110, 0})
	f.Add([]byte("some arbitrary bytes that describe a few nodes and a pod, more or less at random"))
	f.Fuzz(func(t *testing.T, data []byte) {
		nodes, pod := decodeNodes(data)
		var sum int64
		for i := range nodes {
			n := &nodes[i]
			fit := NodeFit(n, pod)
			checkFit(t, n, pod, fit)
			sum += fit
			checkMonotonic(t, n, pod, fit)
		}
		got := Estimate(nodes, pod)
		if want := min(sum, math.MaxInt32); int64(got) != want || got < 0 {
			t.Fatalf("Estimate = %d, want the sum of the nodes %d (saturated at MaxInt32)", got, want)
		}
	})
}

func checkFit(t *testing.T, n *Node, pod PodNeeds, fit int64) {
	t.Helper()
	if fit < 0 {
		t.Fatalf("NodeFit = %d < 0 for %+v", fit, n)
	}
	if !Eligible(n, pod) {
		if fit != 0 {
			t.Fatalf("NodeFit = %d on an ineligible node %+v", fit, n)
		}
		return
	}
	free := Free(n)
	fits := func(k int64) bool {
		return k <= free.Pods &&
			(pod.Requests.MilliCPU == 0 || k <= free.MilliCPU/pod.Requests.MilliCPU) &&
			(pod.Requests.Memory == 0 || k <= free.Memory/pod.Requests.Memory)
	}
	if !fits(fit) {
		t.Fatalf("%d replicas exceed the free room %+v of node %+v for requests %+v", fit, free, n, pod.Requests)
	}
	if fits(fit + 1) {
		t.Fatalf("NodeFit = %d but %d replicas fit in free room %+v for requests %+v", fit, fit+1, free, pod.Requests)
	}
	// The placement check in plain multiplication, where it cannot overflow.
	if fit < 1<<20 && pod.Requests.MilliCPU < 1<<40 && fit*pod.Requests.MilliCPU > free.MilliCPU {
		t.Fatalf("%d x %dm CPU exceeds %dm free", fit, pod.Requests.MilliCPU, free.MilliCPU)
	}
}

func checkMonotonic(t *testing.T, n *Node, pod PodNeeds, fit int64) {
	t.Helper()
	roomier := *n
	roomier.Allocatable.MilliCPU += 1000
	roomier.Allocatable.Memory += 1 << 30
	roomier.Allocatable.Pods++
	roomier.Requested.MilliCPU = max(roomier.Requested.MilliCPU-100, 0)
	if got := NodeFit(&roomier, pod); got < fit {
		t.Fatalf("more free room gave fewer replicas: %d < %d (node %+v)", got, fit, n)
	}
	cheaper := pod
	cheaper.Requests.MilliCPU /= 2
	cheaper.Requests.Memory /= 2
	if got := NodeFit(n, cheaper); got < fit {
		t.Fatalf("smaller requests gave fewer replicas: %d < %d (node %+v)", got, fit, n)
	}
}
