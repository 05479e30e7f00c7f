// Package stages holds the KWOK Stage documents the local fleet's members run: the lifecycle
// KWOK plays on simulated nodes and pods. KWOK has no built-in stages, so every behaviour a
// member shows (nodes becoming Ready, pods Running, Jobs completing, in-place resize, a bad
// version crash-looping or never becoming ready, containers OOM-killed or restarted) comes from
// these files.
package stages

import (
	"bytes"
	"embed"
	"io/fs"
	"sort"
)

// Image tag markers: a pod with a container whose image tag (what follows the ':' after the
// last '/', up to any '@digest') contains one of these runs a bad version; crashloop wins over
// unready. The stages match them with the regular expressions in the YAML files; no label or
// annotation is involved.
const (
	// CrashLoopMarker (e.g. nginx:1.27-crashloop): the container runs, not ready, for about a
	// second and exits with code 1; it restarts at once the first time, then waits in
	// CrashLoopBackOff for 1, 2, 4 and at most 8 s between runs. The pod is never Ready.
	CrashLoopMarker = "crashloop"
	// UnreadyMarker (e.g. example.com/web:v2-unready): the container runs but is never ready,
	// so the pod is Running and never Ready.
	UnreadyMarker = "unready"
)

// Restarts on request. A running pod annotated SimulateAnnotation=SimulateRestart has each of
// its running containers exit with code 1 (reason Error, in lastState.terminated) and run again
// at once with restartCount one higher, every 2-3 s while the annotation is there; the pod stays
// Running and Ready. Removing the annotation (or changing its value) stops the restarts.
// Pods with restartPolicy Never, Job pods and crash-looping pods are left alone.
//
// OOM kills need no annotation of their own: a running container whose share of the pod's
// simulated memory usage (usage.MemoryAnnotation, split evenly across the containers, default
// usage.DefaultMemory) is above its memory limit is OOM-killed (lastState.terminated reason
// OOMKilledReason, exit code OOMKilledExitCode) and runs again at once with restartCount one
// higher, every 2-3 s while the usage stays above the limit. A pod annotated SimulateRestart
// restarts with Error instead.
const (
	SimulateAnnotation = "flotilla.dev/simulate"
	SimulateRestart    = "restart"
)

// What the last state of an OOM-killed container says, as on a real node.
const (
	OOMKilledReason   = "OOMKilled"
	OOMKilledExitCode = 137
)

//go:embed *.yaml
var files embed.FS

// Names lists the embedded stages, sorted.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// Config returns every embedded stage as one multi-document YAML for kwok's --config, followed
// by the extra documents given (for tests or simulations that add behaviour).
func Config(extra ...[]byte) []byte {
	var b bytes.Buffer
	for _, name := range Names() {
		raw, _ := files.ReadFile(name)
		b.WriteString("---\n")
		b.Write(bytes.TrimSpace(raw))
		b.WriteString("\n")
	}
	for _, doc := range extra {
		b.WriteString("---\n")
		b.Write(bytes.TrimSpace(doc))
		b.WriteString("\n")
	}
	return b.Bytes()
}
