package deploy

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestImageRecipe checks the Dockerfile for what the image must be (there is no Docker engine
// here to build it: `make image` runs on a machine with one): the console's front-end built
// first, a static binary without paths or symbols, a distroless non-root final stage.
func TestImageRecipe(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := string(raw)
	goMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(string(goMod))
	if goVersion == nil {
		t.Fatal("go.mod has no go directive")
	}
	for what, re := range map[string]string{
		"the Go version of go.mod":                     `(?m)^ARG GO_VERSION=` + regexp.QuoteMeta(goVersion[1]) + `$`,
		"Node.js 20":                                   `(?m)^ARG NODE_VERSION=20$`,
		"a node stage":                                 `(?m)^FROM (--platform=\S+ )?node:\$\{NODE_VERSION\}\S* AS web$`,
		"npm ci, then the console's build":             `(?s)RUN npm ci.*RUN npm run build`,
		"a golang builder":                             `(?m)^FROM (--platform=\S+ )?golang:\$\{GO_VERSION\} AS build$`,
		"the front-end copied into the embedded files": `(?m)^COPY --from=web \S*internal/console/web/dist/? internal/console/web/dist/?$`,
		"a static build":                               `CGO_ENABLED=0`,
		"-trimpath":                                    `go build [^\n]*-trimpath`,
		"no symbols":                                   `-ldflags="-s -w"`,
		"the one binary":                               `-o /out/flotilla \./cmd/flotilla`,
		"a distroless static non-root final stage":     `(?m)^FROM gcr\.io/distroless/static[^\s:]*:nonroot$`,
		"a non-root user":                              `(?m)^USER 65532(:65532)?$`,
		"flotilla as the entrypoint":                   `(?m)^ENTRYPOINT \["/usr/local/bin/flotilla"\]$`,
	} {
		if !regexp.MustCompile(re).MatchString(df) {
			t.Errorf("the Dockerfile lacks %s (%s)", what, re)
		}
	}
	if n := len(regexp.MustCompile(`(?m)^FROM `).FindAllString(df, -1)); n != 3 {
		t.Errorf("%d stages, want 3 (web, build, image)", n)
	}
	// The image the manifests run is the one `make image` builds.
	image := pinned(t, "IMAGE")
	for _, p := range []string{"config/manager/controller.yaml", "config/console/console.yaml"} {
		raw, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(raw), "image: "+image+"\n") {
			t.Errorf("%s does not run %s (the Makefile's IMAGE)", p, image)
		}
	}
	values, err := os.ReadFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	repo := image[:strings.LastIndex(image, ":")]
	if !strings.Contains(string(values), "repository: "+repo+"\n") {
		t.Errorf("the chart's image.repository is not %s", repo)
	}
}

// TestDockerBuildContext: the files `docker build` sees — the working tree's files that git
// does not ignore, less .dockerignore's patterns — hold every package, embedded file and module
// the binary needs (`go list` in a copy of them, offline) and the front-end's sources, and leave
// out tools, docs and build output.
func TestDockerBuildContext(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is missing: cannot list the working tree")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	list := exec.CommandContext(ctx, "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	list.Dir = root
	out, err := list.Output()
	if err != nil {
		t.Skipf("git ls-files: %v (not a git checkout?)", err)
	}
	raw, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	patterns := parseDockerignore(string(raw))

	for path, want := range map[string]bool{
		"go.mod": true, "go.sum": true, "cmd/flotilla/main.go": true, "config/crd/bases/x.yaml": true,
		"web/console/package.json": true, "web/console/package-lock.json": true, "web/console/build.mjs": true,
		"web/console/src/main.tsx": true, "internal/console/web/dist/.gitkeep": true, "web/console/README.md": true,
		"bin/helm-v3": false, "web/console/node_modules/preact/package.json": false, "internal/console/web/dist/app.js": false,
		".git/HEAD": false, "docs/install.md": false, "README.md": false, "deploy/helm/flotilla/Chart.yaml": false,
		"flotilla": false, "test/deploy/doc.go": false,
	} {
		if got := !excluded(patterns, path); got != want {
			t.Errorf("%s in the build context: %v, want %v", path, got, want)
		}
	}

	dir := t.TempDir()
	for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		if f == "" || excluded(patterns, f) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, f))
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"web/console/package.json", "web/console/package-lock.json", "web/console/build.mjs", "web/console/src/index.html"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("the web stage needs %s: %v", f, err)
		}
	}
	// What the web stage adds before the Go build.
	if err := os.WriteFile(filepath.Join(dir, "internal/console/web/dist/index.html"), []byte("<!doctype html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	goList := exec.CommandContext(ctx, "go", "list", "-e", "-deps", "-f", `{{with .Error}}{{.}}{{"\n"}}{{end}}{{range .DepsErrors}}{{.}}{{"\n"}}{{end}}`, "./cmd/flotilla")
	goList.Dir = dir
	goList.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOPROXY=off", "GOWORK=off", "CGO_ENABLED=0")
	var stdout, stderr bytes.Buffer
	goList.Stdout, goList.Stderr = &stdout, &stderr
	if err := goList.Run(); err != nil {
		t.Fatalf("go list in the build context: %v\n%s", err, stderr.String())
	}
	var problems []string
	for _, l := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		if l != "" && !slices.Contains(problems, l) {
			problems = append(problems, l)
		}
	}
	if len(problems) > 0 {
		t.Errorf("the build context cannot build ./cmd/flotilla:\n%s", strings.Join(problems, "\n"))
	}
}

// A dockerignore pattern, compiled.
type ignorePattern struct {
	re     *regexp.Regexp
	negate bool
}

// parseDockerignore reads .dockerignore as Docker does: one pattern a line, # comments, ! to
// include again, ** for any number of folders.
func parseDockerignore(raw string) []ignorePattern {
	var out []ignorePattern
	for _, line := range strings.Split(raw, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := ignorePattern{}
		if strings.HasPrefix(line, "!") {
			p.negate, line = true, strings.TrimSpace(line[1:])
		}
		line = strings.TrimPrefix(filepath.ToSlash(filepath.Clean(line)), "/")
		var b strings.Builder
		b.WriteString("^")
		for i := 0; i < len(line); i++ {
			switch c := line[i]; {
			case c == '*' && i+1 < len(line) && line[i+1] == '*':
				i++
				if i+1 < len(line) && line[i+1] == '/' {
					i++
					b.WriteString("(.*/)?")
				} else {
					b.WriteString(".*")
				}
			case c == '*':
				b.WriteString("[^/]*")
			case c == '?':
				b.WriteString("[^/]")
			default:
				b.WriteString(regexp.QuoteMeta(string(c)))
			}
		}
		b.WriteString("$")
		p.re = regexp.MustCompile(b.String())
		out = append(out, p)
	}
	return out
}

// excluded reports whether path (slash-separated, relative) is left out of the context: the
// last pattern that matches it or one of its parent folders decides.
func excluded(patterns []ignorePattern, path string) bool {
	out := false
	for _, p := range patterns {
		for prefix := path; ; {
			if p.re.MatchString(prefix) {
				out = !p.negate
				break
			}
			i := strings.LastIndex(prefix, "/")
			if i < 0 {
				break
			}
			prefix = prefix[:i]
		}
	}
	return out
}
