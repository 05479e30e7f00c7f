package console

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestTraversal(t *testing.T) {
	for path, want := range map[string]bool{
		"/": false, "/app.js": false, "/apps/default/web": false, "/a..b/c": false,
		"/../etc/passwd": true, "/%2e%2e/etc": true, "/assets/..%2f..%2fetc": true, "/a/..": true, "/a%5c..%5cb": true, "/a%00b": true, "/%zz": true,
	} {
		if got := traversal(path); got != want {
			t.Errorf("traversal(%q) = %v, want %v", path, got, want)
		}
	}
}

func FuzzTraversal(f *testing.F) {
	for _, s := range []string{"/", "/../x", "/%2e%2e/", "/a/b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if traversal(p) {
			return
		}
		// What passes decodes, and has no ".." segment, backslash or NUL once decoded.
		decoded, err := url.PathUnescape(p)
		if err != nil {
			t.Fatalf("%q passed but does not decode", p)
		}
		if strings.ContainsAny(decoded, "\\\x00") || slices.Contains(strings.Split(decoded, "/"), "..") {
			t.Fatalf("%q passed but decodes to %q", p, decoded)
		}
	})
}
