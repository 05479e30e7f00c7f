package devfleet

import (
	"bytes"
	"regexp"
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
		"flotilla-pod-resources", "flotilla-pod-complete", "flotilla-pod-delete", "flotilla-pod-start-unready",
		"flotilla-pod-crashloop-exit", "flotilla-pod-crashloop-backoff", "flotilla-pod-crashloop-restart", "extra"} {
		if !names[want] {
			t.Errorf("stage %s missing (have %v)", want, names)
		}
	}
	if strings.Contains(string(cfg), "KwokConfiguration") {
		t.Error("the stage config holds a KwokConfiguration document")
	}
}

// The image expressions of the stages (jq's test and the templates' regexMatch both use Go's
// regexp syntax) are one of two: bad versions (either marker) and crash loops.
const (
	badVersionImage = `:[^:/@]*(crashloop|unready)[^:/@]*(@|$)`
	crashLoopImage  = `:[^:/@]*crashloop[^:/@]*(@|$)`
)

// TestStagesMatchBadVersionsByImageTag checks that every image expression in the stages is one
// of the two above, and what they match: the marker in the tag, not in the registry or the
// repository, with or without a digest.
func TestStagesMatchBadVersionsByImageTag(t *testing.T) {
	used := map[string]int{}
	for _, m := range regexp.MustCompile(`(?:test\(|regexMatch )"([^"]*)"`).FindAllStringSubmatch(string(stages.Config()), -1) {
		used[m[1]]++
	}
	if len(used) != 2 || used[badVersionImage] == 0 || used[crashLoopImage] == 0 {
		t.Errorf("image expressions in the stages = %v, want only %q and %q", used, badVersionImage, crashLoopImage)
	}
	for _, marker := range []string{stages.CrashLoopMarker, stages.UnreadyMarker} {
		if !strings.Contains(badVersionImage, marker) {
			t.Errorf("the bad-version expression does not name %q", marker)
		}
	}
	bad, crash := regexp.MustCompile(badVersionImage), regexp.MustCompile(crashLoopImage)
	for _, tc := range []struct {
		image      string
		bad, crash bool
	}{
		{"nginx:1.27-crashloop", true, true},
		{"example.com/web:v2-crashloop", true, true},
		{"localhost:5000/web:crashloop@sha256:0123abcd", true, true},
		{"web:v2-unready", true, false},
		{"example.com/web:unready-2", true, false},
		{"nginx:1.27", false, false},
		{"nginx", false, false},
		{"localhost:5000/crashloop:v1", false, false},
		{"crashloop.example.com/unready/web", false, false},
		{"web@sha256:0123abcd", false, false},
	} {
		if bad.MatchString(tc.image) != tc.bad || crash.MatchString(tc.image) != tc.crash {
			t.Errorf("%s: bad version %v, crash loop %v; want %v, %v",
				tc.image, bad.MatchString(tc.image), crash.MatchString(tc.image), tc.bad, tc.crash)
		}
	}
}
