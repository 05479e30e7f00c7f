package binaries

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Wrapper is a generated Go module whose only purpose is to build the main packages of a
// pinned upstream module with our toolchain. Its go.sum is filled by `go mod tidy`.
type Wrapper struct {
	// Name is the folder under <CacheRoot>/build/<key>/ (kubernetes, etcd, kwok, metrics-server).
	Name string
	// GoMod and ToolsGo are the files written into the folder before `go mod tidy`.
	GoMod   string
	ToolsGo string
	// BuildArgs follow `go build`; output paths are relative to the output folder given to
	// BuildCommand.
	Packages []string
	LDFlags  string
	// Output is "" when `-o <dir>/` names the binaries after their packages, else the single
	// binary's file name.
	Output string
	// Binaries this wrapper produces, for progress lines.
	Binaries []string
}

// kubernetesMinor turns a Kubernetes tag (v1.35.4) into the tag of its staging modules
// (v0.35.4) and the minor number (35).
func kubernetesMinor(tag string) (staging, major, minor string, err error) {
	m := regexp.MustCompile(`^v1\.(\d+)\.(\d+)$`).FindStringSubmatch(tag)
	if m == nil {
		return "", "", "", fmt.Errorf("kubernetes pin %q is not a release tag like v1.35.4: fix Pins.Kubernetes", tag)
	}
	return "v0." + m[1] + "." + m[2], "1", m[1], nil
}

// StagingModules reads the `k8s.io/X => ./staging/src/k8s.io/X` replace directives of
// kubernetes' own go.mod and returns the module paths, sorted. Both the single-line and the
// block form of replace are understood.
func StagingModules(kubernetesGoMod []byte) ([]string, error) {
	var mods []string
	seen := map[string]bool{}
	inBlock := false
	sc := bufio.NewScanner(bytes.NewReader(kubernetesGoMod))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "//"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		switch {
		case line == "replace (":
			inBlock = true
			continue
		case inBlock && line == ")":
			inBlock = false
			continue
		case strings.HasPrefix(line, "replace "):
			line = strings.TrimSpace(strings.TrimPrefix(line, "replace "))
		case !inBlock:
			continue
		}
		mod, ok := stagingReplace(line)
		if ok && !seen[mod] {
			seen[mod] = true
			mods = append(mods, mod)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading kubernetes go.mod: %w", err)
	}
	if len(mods) == 0 {
		return nil, fmt.Errorf("kubernetes go.mod has no 'k8s.io/X => ./staging/src/k8s.io/X' replace lines: is the pin a k8s.io/kubernetes release?")
	}
	sort.Strings(mods)
	return mods, nil
}

// stagingReplace parses `k8s.io/X => ./staging/src/k8s.io/X` (the left side may carry a version).
func stagingReplace(line string) (string, bool) {
	left, right, ok := strings.Cut(line, "=>")
	if !ok {
		return "", false
	}
	lf := strings.Fields(left)
	rf := strings.Fields(right)
	if len(lf) == 0 || len(lf) > 2 || len(rf) != 1 {
		return "", false
	}
	mod := lf[0]
	if !strings.HasPrefix(mod, "k8s.io/") || rf[0] != "./staging/src/"+mod {
		return "", false
	}
	return mod, true
}

// KubernetesWrapper is the module that builds kube-apiserver, kube-controller-manager and
// kube-scheduler of pins.Kubernetes in one `go build`. staging lists kubernetes' staging
// modules (see StagingModules); each is replaced by its published v0.Y.Z tag.
func KubernetesWrapper(pins Pins, staging []string) (Wrapper, error) {
	stagingTag, major, minor, err := kubernetesMinor(pins.Kubernetes)
	if err != nil {
		return Wrapper{}, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "module flotilla.dev/k8s-binaries\n\ngo 1.25.0\n\nrequire k8s.io/kubernetes %s\n\n", pins.Kubernetes)
	for _, mod := range staging {
		fmt.Fprintf(&b, "replace %s => %s %s\n", mod, mod, stagingTag)
	}
	pkgs := []string{
		"k8s.io/kubernetes/cmd/kube-apiserver",
		"k8s.io/kubernetes/cmd/kube-controller-manager",
		"k8s.io/kubernetes/cmd/kube-scheduler",
	}
	return Wrapper{
		Name:    "kubernetes",
		GoMod:   b.String(),
		ToolsGo: toolsGo(pkgs),
		LDFlags: fmt.Sprintf("-s -w -X k8s.io/component-base/version.gitVersion=%s -X k8s.io/component-base/version.gitMajor=%s -X k8s.io/component-base/version.gitMinor=%s",
			pins.Kubernetes, major, minor),
		Packages: pkgs,
		Binaries: []string{KubeAPIServer, KubeControllerManager, KubeScheduler},
	}, nil
}

// EtcdWrapper builds the etcd server of pins.Etcd.
func EtcdWrapper(pins Pins) Wrapper {
	pkg := "go.etcd.io/etcd/server/v3"
	return simpleWrapper("etcd", "flotilla.dev/etcd-binary", pkg, pins.Etcd, pkg, Etcd)
}

// KWOKWrapper builds the kwok controller of pins.KWOK.
func KWOKWrapper(pins Pins) Wrapper {
	return simpleWrapper("kwok", "flotilla.dev/kwok-binary", "sigs.k8s.io/kwok", pins.KWOK, "sigs.k8s.io/kwok/cmd/kwok", KWOK)
}

// MetricsServerWrapper builds metrics-server of pins.MetricsServer. Its --version reads
// client-go's version variable, which its release builds set the same way.
func MetricsServerWrapper(pins Pins) Wrapper {
	w := simpleWrapper("metrics-server", "flotilla.dev/metrics-server-binary", "sigs.k8s.io/metrics-server", pins.MetricsServer,
		"sigs.k8s.io/metrics-server/cmd/metrics-server", MetricsServer)
	w.LDFlags += " -X k8s.io/client-go/pkg/version.gitVersion=" + pins.MetricsServer
	return w
}

func simpleWrapper(name, module, require, version, pkg, binary string) Wrapper {
	return Wrapper{
		Name:     name,
		GoMod:    fmt.Sprintf("module %s\n\ngo 1.26.0\n\nrequire %s %s\n", module, require, version),
		ToolsGo:  toolsGo([]string{pkg}),
		LDFlags:  "-s -w",
		Packages: []string{pkg},
		Output:   binary,
		Binaries: []string{binary},
	}
}

func toolsGo(pkgs []string) string {
	var b strings.Builder
	b.WriteString("//go:build tools\n\n// Package tools pins the commands this module builds.\npackage tools\n\nimport (\n")
	for _, p := range pkgs {
		fmt.Fprintf(&b, "\t_ %q\n", p)
	}
	b.WriteString(")\n")
	return b.String()
}

// BuildArgs are the arguments after `go` that build w into outDir.
func (w Wrapper) BuildArgs(outDir string) []string {
	out := outDir + "/"
	if w.Output != "" {
		out = outDir + "/" + w.Output
	}
	args := []string{"build", "-trimpath", "-ldflags", w.LDFlags, "-o", out}
	return append(args, w.Packages...)
}
