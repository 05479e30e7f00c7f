// Package usage holds the KWOK documents that give the local fleet's simulated pods a CPU and
// memory usage and serve it the way a kubelet serves /metrics/resource, so that each member's
// metrics-server answers the metrics API (metrics.k8s.io, what `kubectl top` and autoscalers
// read) for pods that run nothing.
//
// A pod's usage comes from its annotations (CPUAnnotation, MemoryAnnotation), read again at
// every scrape, so a test changes the usage of a running pod by annotating it; pods without
// them use DefaultCPU and DefaultMemory.
package usage

import (
	"bytes"
	"embed"
)

// Annotations of a pod that set its simulated usage: Kubernetes quantities, e.g. "250m" and
// "64Mi", for the whole pod (split evenly across its containers). A value that is not a
// quantity counts as zero; metrics-server leaves out a pod whose memory is zero.
const (
	CPUAnnotation    = "flotilla.dev/cpu-usage"
	MemoryAnnotation = "flotilla.dev/memory-usage"
)

// The usage of a pod without the annotations.
const (
	DefaultCPU    = "10m"
	DefaultMemory = "16Mi"
)

// The usage a simulated node has of its own, on top of its pods'.
const (
	NodeCPU    = "50m"
	NodeMemory = "128Mi"
)

// MetricsPathAnnotation tells metrics-server where a node's resource metrics are: each
// simulated node carries it with NodeMetricsPath.
const MetricsPathAnnotation = "metrics.k8s.io/resource-metrics-path"

// NodeMetricsPath is where kwok serves the resource metrics of the named node.
func NodeMetricsPath(node string) string { return "/metrics/nodes/" + node + "/metrics/resource" }

//go:embed *.yaml
var files embed.FS

// Config returns the ClusterResourceUsage and Metric documents for kwok's --config, as YAML
// documents each starting with "---".
func Config() []byte {
	var b bytes.Buffer
	for _, name := range []string{"usage-from-annotations.yaml", "metrics-resource.yaml"} {
		raw, _ := files.ReadFile(name)
		b.WriteString("---\n")
		b.Write(bytes.TrimSpace(raw))
		b.WriteString("\n")
	}
	return b.Bytes()
}
