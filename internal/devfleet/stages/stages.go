// Package stages holds the KWOK Stage documents the local fleet's members run: the lifecycle
// KWOK plays on simulated nodes and pods. KWOK has no built-in stages, so every behaviour a
// member shows (nodes becoming Ready, pods Running, Jobs completing, in-place resize) comes
// from these files.
package stages

import (
	"bytes"
	"embed"
	"io/fs"
	"sort"
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
// by the extra documents given (for tests or simulations that add behaviour, such as a version
// that never becomes ready).
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
