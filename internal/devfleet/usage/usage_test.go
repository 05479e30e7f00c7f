package usage

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"
)

type document struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Spec       struct {
		Path   string `json:"path"`
		Usages []struct {
			Usage map[string]struct{ Expression string } `json:"usage"`
		} `json:"usages"`
		Metrics []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"metrics"`
	} `json:"spec"`
}

func documents(t *testing.T) map[string]document {
	t.Helper()
	docs := map[string]document{}
	for _, raw := range bytes.Split(Config(), []byte("---\n"))[1:] {
		var d document
		if err := yaml.Unmarshal(raw, &d); err != nil {
			t.Fatalf("bad YAML: %v\n%s", err, raw)
		}
		if d.APIVersion != "kwok.x-k8s.io/v1alpha1" {
			t.Errorf("%s has apiVersion %q", d.Kind, d.APIVersion)
		}
		docs[d.Kind] = d
	}
	return docs
}

// TestUsageComesFromTheAnnotations checks that the CEL expressions read the annotations Go
// code sets, with the documented defaults.
func TestUsageComesFromTheAnnotations(t *testing.T) {
	u, ok := documents(t)["ClusterResourceUsage"]
	if !ok || len(u.Spec.Usages) != 1 {
		t.Fatalf("want one ClusterResourceUsage with one usage, got %+v", u)
	}
	for resource, want := range map[string][]string{
		"cpu":    {`"` + CPUAnnotation + `" in pod.metadata.annotations`, `Quantity("` + DefaultCPU + `")`, "size(pod.spec.containers)"},
		"memory": {`"` + MemoryAnnotation + `" in pod.metadata.annotations`, `Quantity("` + DefaultMemory + `")`, "size(pod.spec.containers)"},
	} {
		expr := u.Spec.Usages[0].Usage[resource].Expression
		for _, w := range want {
			if !strings.Contains(expr, w) {
				t.Errorf("%s expression does not contain %s:\n%s", resource, w, expr)
			}
		}
	}
}

// TestMetricsServeWhatMetricsServerReads checks the path nodes are annotated with and that the
// series metrics-server decodes are all served.
func TestMetricsServeWhatMetricsServerReads(t *testing.T) {
	m, ok := documents(t)["Metric"]
	if !ok {
		t.Fatal("no Metric document")
	}
	if got, want := m.Spec.Path, NodeMetricsPath("{nodeName}"); got != want {
		t.Errorf("Metric path %q, but nodes are annotated with %q", got, want)
	}
	served := map[string]string{}
	for _, s := range m.Spec.Metrics {
		served[s.Name] = s.Value
	}
	cpu, memory := resource.MustParse(NodeCPU), resource.MustParse(NodeMemory)
	nodeCPU := fmt.Sprintf("+ %g * node.SinceSecond()", cpu.AsApproximateFloat64())
	nodeMemory := fmt.Sprintf("+ %.1f", memory.AsApproximateFloat64())
	if !strings.Contains(served["node_cpu_usage_seconds_total"], nodeCPU) || !strings.Contains(served["node_memory_working_set_bytes"], nodeMemory) {
		t.Errorf("node usage is not its pods' plus %s and %s: %q, %q", NodeCPU, NodeMemory,
			served["node_cpu_usage_seconds_total"], served["node_memory_working_set_bytes"])
	}
	for _, name := range []string{"container_start_time_seconds", "container_cpu_usage_seconds_total",
		"container_memory_working_set_bytes", "node_cpu_usage_seconds_total", "node_memory_working_set_bytes"} {
		if served[name] == "" {
			t.Errorf("%s is not served (have %v)", name, served)
		}
	}
}
