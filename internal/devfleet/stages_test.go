package devfleet

import (
	"bytes"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/internal/devfleet/stages"
)

// TestStagesAreKWOKStages checks that every embedded document is a Stage (a KwokConfiguration
// document makes kwok fail at start) with a unique name, and that the lifecycle is complete.
func TestStagesAreKWOKStages(t *testing.T) {
	cfg := stages.Config([]byte("apiVersion: kwok.x-k8s.io/v1alpha1\nkind: Stage\nmetadata:\n  name: extra\n"))
	names := map[string]bool{}
	for _, doc := range bytes.Split(cfg, []byte("\n---\n")) {
		doc = bytes.TrimPrefix(doc, []byte("---\n"))
		var obj struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct{ Name string }
			Spec       struct {
				ResourceRef struct{ Kind string } `json:"resourceRef"`
			}
		}
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			t.Fatalf("bad YAML: %v\n%s", err, doc)
		}
		if obj.APIVersion != "kwok.x-k8s.io/v1alpha1" || obj.Kind != "Stage" {
			t.Errorf("document %q is %s %s, want kwok.x-k8s.io/v1alpha1 Stage", obj.Metadata.Name, obj.APIVersion, obj.Kind)
		}
		if names[obj.Metadata.Name] {
			t.Errorf("stage %s twice", obj.Metadata.Name)
		}
		names[obj.Metadata.Name] = true
	}
	for _, want := range []string{"flotilla-node-initialize", "flotilla-node-heartbeat-with-lease", "flotilla-pod-ready",
		"flotilla-pod-resources", "flotilla-pod-complete", "flotilla-pod-delete", "extra"} {
		if !names[want] {
			t.Errorf("stage %s missing (have %v)", want, names)
		}
	}
	if strings.Contains(string(cfg), "KwokConfiguration") {
		t.Error("the stage config holds a KwokConfiguration document")
	}
}
