package devfleet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/internal/devfleet/stages"
	"flotilla.dev/flotilla/internal/devfleet/usage"
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
		"flotilla-pod-crashloop-exit", "flotilla-pod-crashloop-backoff", "flotilla-pod-crashloop-restart",
		"flotilla-pod-oom-kill", "flotilla-pod-simulate-restart", "extra"} {
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

// stageDocument is what the tests read of a Stage: its selector and what it writes.
type stageDocument struct {
	Metadata struct{ Name string }
	Spec     struct {
		Selector struct {
			MatchExpressions []struct {
				Key      string
				Operator string
				Values   []string
			} `json:"matchExpressions"`
		}
		Next struct {
			Patches []struct{ Template string }
		}
	}
}

func stageDocuments(t *testing.T) map[string]stageDocument {
	t.Helper()
	docs := map[string]stageDocument{}
	for _, raw := range bytes.Split(stages.Config(), []byte("---\n"))[1:] {
		var d stageDocument
		if err := yaml.Unmarshal(raw, &d); err != nil {
			t.Fatalf("bad YAML: %v\n%s", err, raw)
		}
		docs[d.Metadata.Name] = d
	}
	return docs
}

// selectorKey returns the key of the stage's match expression that contains marker, checking
// its operator and that it is the only one.
func selectorKey(t *testing.T, d stageDocument, marker, operator string) string {
	t.Helper()
	var keys []string
	for _, e := range d.Spec.Selector.MatchExpressions {
		if strings.Contains(e.Key, marker) {
			if e.Operator != operator || len(e.Values) != 1 || e.Values[0] != "true" {
				t.Errorf("%s: %s %v on %s, want %s [true]", d.Metadata.Name, e.Operator, e.Values, e.Key, operator)
			}
			keys = append(keys, e.Key)
		}
	}
	if len(keys) != 1 {
		t.Fatalf("%s: %d match expressions contain %q, want 1", d.Metadata.Name, len(keys), marker)
	}
	return keys[0]
}

// TestOOMAndRestartStagesExcludeEachOther checks the selectors of the stages that restart
// containers: kwok plays one of the stages that match a pod, so flotilla-pod-resources must
// exclude exactly the pods that flotilla-pod-oom-kill and flotilla-pod-simulate-restart take,
// and the OOM kills leave annotated pods to the restarts. They read the annotations Go code
// sets, with the default usage.
func TestOOMAndRestartStagesExcludeEachOther(t *testing.T) {
	docs := stageDocuments(t)
	oom, restart, res := docs["flotilla-pod-oom-kill"], docs["flotilla-pod-simulate-restart"], docs["flotilla-pod-resources"]
	oomKey := selectorKey(t, oom, "def bytes", "In")
	restartMarker := fmt.Sprintf("[%q] ==", stages.SimulateAnnotation)
	restartKey := selectorKey(t, restart, restartMarker, "In")
	if got := selectorKey(t, res, "def bytes", "NotIn"); got != oomKey {
		t.Errorf("flotilla-pod-resources excludes OOM kills with\n%s\nbut flotilla-pod-oom-kill selects\n%s", got, oomKey)
	}
	if got := selectorKey(t, res, restartMarker, "NotIn"); got != restartKey {
		t.Errorf("flotilla-pod-resources excludes restarts with %s, but flotilla-pod-simulate-restart selects %s", got, restartKey)
	}
	if want := fmt.Sprintf(`.metadata.annotations[%q] == %q and .spec.restartPolicy != "Never"`, stages.SimulateAnnotation, stages.SimulateRestart); restartKey != want {
		t.Errorf("restart selector %s, want %s", restartKey, want)
	}
	for _, want := range []string{
		fmt.Sprintf(`.metadata.annotations[%q] // %q | bytes`, usage.MemoryAnnotation, usage.DefaultMemory),
		fmt.Sprintf(`.metadata.annotations[%q] != %q`, stages.SimulateAnnotation, stages.SimulateRestart),
		`.spec.restartPolicy != "Never"`, "/ (.spec.containers | length)", ".resources.limits.memory",
	} {
		if !strings.Contains(oomKey, want) {
			t.Errorf("the OOM selector does not contain %s:\n%s", want, oomKey)
		}
	}
	if len(oom.Spec.Next.Patches) != 1 {
		t.Fatalf("flotilla-pod-oom-kill has %d patches, want 1", len(oom.Spec.Next.Patches))
	}
	tmpl := oom.Spec.Next.Patches[0].Template
	for _, want := range []string{
		fmt.Sprintf(`dig "annotations" %q %q .metadata`, usage.MemoryAnnotation, usage.DefaultMemory),
		fmt.Sprintf("exitCode: %d\n", stages.OOMKilledExitCode), "reason: " + stages.OOMKilledReason + "\n",
		"divf (first $bytes) (len .spec.containers)", "/resources",
	} {
		if !strings.Contains(tmpl, want) {
			t.Errorf("the OOM patch does not contain %s", want)
		}
	}
}

// TestStagesConvertQuantitiesLikeKubernetes checks the conversion of quantities to bytes that
// the OOM selectors (jq) and patch (Go template) each spell out: one regular expression and
// one table of units everywhere, which read what resource.ParseQuantity reads, as the same
// number, and reject what it rejects.
func TestStagesConvertQuantitiesLikeKubernetes(t *testing.T) {
	cfg := string(stages.Config())
	distinct := func(what string, re *regexp.Regexp, min int) string {
		t.Helper()
		found := map[string]int{}
		for _, m := range re.FindAllStringSubmatch(cfg, -1) {
			found[m[1]]++
		}
		n := 0
		for _, c := range found {
			n += c
		}
		if len(found) != 1 || n < min {
			t.Fatalf("%s in the stages: %v, want one, at least %d times", what, found, min)
		}
		for f := range found {
			return f
		}
		return ""
	}
	// jq selectors (flotilla-pod-oom-kill, flotilla-pod-resources) and the template of the patch.
	pattern := distinct("quantity expressions", regexp.MustCompile(`(?:capture\(|\$quantity := )"([^"]*)"`), 3)
	table := distinct("unit tables", regexp.MustCompile("(?:\\(|fromJson `)(\\{[^}]*\\})(?:\\[\\.u\\]|`)"), 3)
	re := regexp.MustCompile(pattern)
	var units map[string]float64
	if err := json.Unmarshal([]byte(table), &units); err != nil {
		t.Fatalf("unit table %s: %v", table, err)
	}
	// What both languages do: the number times the unit, or "1" and the exponent as a number. A
	// value the expression does not match is no usage, and no limit.
	toBytes := func(q string) (float64, bool) {
		m := re.FindStringSubmatch(q)
		if m == nil {
			return 0, false
		}
		n, err := strconv.ParseFloat(m[re.SubexpIndex("n")], 64)
		if err != nil {
			t.Fatalf("%s: number %q: %v", q, m[re.SubexpIndex("n")], err)
		}
		u := m[re.SubexpIndex("u")]
		if f, ok := units[u]; ok {
			return n * f, true
		}
		f, err := strconv.ParseFloat("1"+u, 64)
		if err != nil {
			t.Fatalf("%s: unit %q is neither in the table nor an exponent", q, u)
		}
		return n * f, true
	}
	for _, q := range []string{
		"64Mi", "1Gi", "1024Mi", "500M", "1048576", "0.5Gi", ".5Gi", "5.Mi", "+1Mi", "1.5", "100m", "5k",
		"1Ki", "2Ti", "1Pi", "1Ei", "1T", "3P", "1E", "1e3", "1E3", "2.5e9", "1e-3", "1e+6", "7n", "7u", "0",
		"", "abc", "Mi", ".", "+", "-Mi", "1 Mi", "1MiB", "1K", "1mi", "1e", "1.2.3", "--1", "1e3Mi", "0x10", "1_000",
	} {
		want, err := resource.ParseQuantity(q)
		got, ok := toBytes(q)
		switch {
		case err != nil && ok:
			t.Errorf("%q is not a quantity (%v), but the stages read it as %g bytes", q, err, got)
		case err == nil && !ok && !want.IsZero():
			t.Errorf("%q is a quantity (%s), but the stages do not read it", q, want.String())
		case err == nil && !ok:
			// Kubernetes reads "Mi" as 0; the stages do not read it, which comes to the same: no
			// usage, no limit.
		case err == nil && math.Abs(got-want.AsApproximateFloat64()) > 1e-9*math.Abs(want.AsApproximateFloat64()):
			t.Errorf("%q: the stages read %g bytes, Kubernetes %g", q, got, want.AsApproximateFloat64())
		}
	}
}
