package capacity

import (
	"math"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

const gi = int64(1) << 30

// node is a Ready, schedulable node with the given free room.
func node(name string, cpu, mem, pods int64) Node {
	return Node{Name: name, Ready: true, Allocatable: Resources{MilliCPU: cpu, Memory: mem, Pods: pods}}
}

func TestNodeFit(t *testing.T) {
	small := PodNeeds{Requests: Resources{MilliCPU: 500, Memory: gi}}
	tests := []struct {
		name string
		node Node
		pod  PodNeeds
		want int64
	}{
		{"cpu limits", node("n", 2000, 16*gi, 110), small, 4},
		{"memory limits", node("n", 8000, 3*gi, 110), small, 3},
		{"pods limit", node("n", 8000, 16*gi, 2), small, 2},
		{"floor of a partial replica", node("n", 1999, 16*gi, 110), small, 3},
		{"zero requests: only pods limit", node("n", 100, 1, 7), PodNeeds{}, 7},
		{"zero cpu request: memory limits", node("n", 1, 5*gi, 110), PodNeeds{Requests: Resources{Memory: gi}}, 5},
		{"requested already", func() Node {
			n := node("n", 4000, 16*gi, 110)
			n.Requested = Resources{MilliCPU: 3000, Memory: gi, Pods: 10}
			return n
		}(), small, 2},
		{"overcommitted: never negative", func() Node {
			n := node("n", 1000, gi, 110)
			n.Requested = Resources{MilliCPU: 5000, Memory: 4 * gi, Pods: 200}
			return n
		}(), small, 0},
		{"pods full", func() Node {
			n := node("n", 4000, 16*gi, 10)
			n.Requested.Pods = 10
			return n
		}(), PodNeeds{}, 0},
		{"not ready", func() Node { n := node("n", 4000, 16*gi, 110); n.Ready = false; return n }(), small, 0},
		{"cordoned", func() Node { n := node("n", 4000, 16*gi, 110); n.Unschedulable = true; return n }(), small, 0},
		{"nodeSelector matches", func() Node {
			n := node("n", 4000, 16*gi, 110)
			n.Labels = map[string]string{"disk": "ssd", "zone": "a"}
			return n
		}(), PodNeeds{Requests: small.Requests, NodeSelector: map[string]string{"disk": "ssd"}}, 8},
		{"nodeSelector value differs", func() Node {
			n := node("n", 4000, 16*gi, 110)
			n.Labels = map[string]string{"disk": "hdd"}
			return n
		}(), PodNeeds{Requests: small.Requests, NodeSelector: map[string]string{"disk": "ssd"}}, 0},
		{"nodeSelector label missing", node("n", 4000, 16*gi, 110), PodNeeds{NodeSelector: map[string]string{"disk": "ssd"}}, 0},
		{"NoSchedule taint not tolerated", tainted(corev1.TaintEffectNoSchedule), small, 0},
		{"NoExecute taint not tolerated", tainted(corev1.TaintEffectNoExecute), small, 0},
		{"PreferNoSchedule taint does not block", tainted(corev1.TaintEffectPreferNoSchedule), small, 8},
		{"taint tolerated with Equal", tainted(corev1.TaintEffectNoSchedule), withTol(small, corev1.Toleration{Key: "gpu", Value: "yes", Effect: corev1.TaintEffectNoSchedule}), 8},
		{"taint tolerated with empty operator", tainted(corev1.TaintEffectNoSchedule), withTol(small, corev1.Toleration{Key: "gpu", Value: "yes"}), 8},
		{"toleration value differs", tainted(corev1.TaintEffectNoSchedule), withTol(small, corev1.Toleration{Key: "gpu", Value: "no"}), 0},
		{"toleration effect differs", tainted(corev1.TaintEffectNoExecute), withTol(small, corev1.Toleration{Key: "gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}), 0},
		{"Exists tolerates any value", tainted(corev1.TaintEffectNoExecute), withTol(small, corev1.Toleration{Key: "gpu", Operator: corev1.TolerationOpExists}), 8},
		{"empty key with Exists tolerates all", tainted(corev1.TaintEffectNoExecute), withTol(small, corev1.Toleration{Operator: corev1.TolerationOpExists}), 8},
		{"empty key with Equal tolerates nothing", tainted(corev1.TaintEffectNoExecute), withTol(small, corev1.Toleration{}), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NodeFit(&tt.node, tt.pod); got != tt.want {
				t.Errorf("NodeFit = %d, want %d", got, tt.want)
			}
		})
	}
}

func tainted(effect corev1.TaintEffect) Node {
	n := node("n", 4000, 16*gi, 110)
	n.Taints = []corev1.Taint{{Key: "gpu", Value: "yes", Effect: effect}}
	return n
}

func withTol(p PodNeeds, tol corev1.Toleration) PodNeeds {
	p.Tolerations = []corev1.Toleration{tol}
	return p
}

func TestEstimate(t *testing.T) {
	pod := PodNeeds{Requests: Resources{MilliCPU: 1000, Memory: gi}}
	notReady := node("down", 64000, 64*gi, 110)
	notReady.Ready = false
	tests := []struct {
		name  string
		nodes []Node
		want  int32
	}{
		{"no nodes", nil, 0},
		{"sums nodes", []Node{node("a", 4000, 16*gi, 110), node("b", 2500, 16*gi, 110)}, 6},
		{"skips not ready", []Node{node("a", 4000, 16*gi, 110), notReady}, 4},
		{"saturates at MaxInt32", []Node{node("a", math.MaxInt64, math.MaxInt64, math.MaxInt64), node("b", math.MaxInt64, math.MaxInt64, math.MaxInt64)}, math.MaxInt32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Estimate(tt.nodes, pod); got != tt.want {
				t.Errorf("Estimate = %d, want %d", got, tt.want)
			}
		})
	}
}
