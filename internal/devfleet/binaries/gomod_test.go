package binaries

import (
	"reflect"
	"strings"
	"testing"
)

func TestStagingModules(t *testing.T) {
	tests := []struct {
		name    string
		gomod   string
		want    []string
		wantErr bool
	}{
		{
			name: "block form, sorted, other replaces ignored",
			gomod: `module k8s.io/kubernetes

require k8s.io/api v0.0.0

replace (
	k8s.io/client-go => ./staging/src/k8s.io/client-go
	k8s.io/api => ./staging/src/k8s.io/api // the API
	github.com/foo/bar => github.com/foo/bar v1.2.3
	k8s.io/evil => ./staging/src/k8s.io/other
)
`,
			want: []string{"k8s.io/api", "k8s.io/client-go"},
		},
		{
			name: "single-line form with a version on the left",
			gomod: `module k8s.io/kubernetes
replace k8s.io/api v0.0.0 => ./staging/src/k8s.io/api
replace k8s.io/apimachinery => ./staging/src/k8s.io/apimachinery
replace k8s.io/api => ./staging/src/k8s.io/api
`,
			want: []string{"k8s.io/api", "k8s.io/apimachinery"},
		},
		{name: "no staging replaces", gomod: "module example.com/x\n", wantErr: true},
		{name: "commented out", gomod: "// replace k8s.io/api => ./staging/src/k8s.io/api\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := StagingModules([]byte(tt.gomod))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func FuzzStagingModules(f *testing.F) {
	f.Add([]byte("replace (\n\tk8s.io/api => ./staging/src/k8s.io/api\n)\n"))
	f.Add([]byte("replace k8s.io/x v1 => ./staging/src/k8s.io/x\n"))
	f.Add([]byte("replace (\nreplace )\n=>=>\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		mods, err := StagingModules(data)
		if err != nil {
			return
		}
		if len(mods) == 0 {
			t.Fatal("no error but no modules")
		}
		for i, m := range mods {
			if !strings.HasPrefix(m, "k8s.io/") || strings.ContainsAny(m, " \t\n") {
				t.Fatalf("bad module path %q", m)
			}
			if i > 0 && mods[i-1] >= m {
				t.Fatalf("not sorted and unique: %v", mods)
			}
		}
	})
}

func TestKubernetesWrapper(t *testing.T) {
	w, err := KubernetesWrapper(DefaultPins, []string{"k8s.io/api", "k8s.io/client-go"})
	if err != nil {
		t.Fatal(err)
	}
	wantMod := `module flotilla.dev/k8s-binaries

go 1.25.0

require k8s.io/kubernetes v1.35.4

replace k8s.io/api => k8s.io/api v0.35.4
replace k8s.io/client-go => k8s.io/client-go v0.35.4
`
	if w.GoMod != wantMod {
		t.Errorf("go.mod:\n%s\nwant:\n%s", w.GoMod, wantMod)
	}
	wantArgs := []string{"build", "-trimpath", "-ldflags",
		"-s -w -X k8s.io/component-base/version.gitVersion=v1.35.4 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=35",
		"-o", "/out/",
		"k8s.io/kubernetes/cmd/kube-apiserver", "k8s.io/kubernetes/cmd/kube-controller-manager", "k8s.io/kubernetes/cmd/kube-scheduler"}
	if got := w.BuildArgs("/out"); !reflect.DeepEqual(got, wantArgs) {
		t.Errorf("build args:\n%q\nwant\n%q", got, wantArgs)
	}
	for _, pkg := range w.Packages {
		if !strings.Contains(w.ToolsGo, `_ "`+pkg+`"`) || !strings.HasPrefix(w.ToolsGo, "//go:build tools\n") {
			t.Errorf("tools.go does not import %s behind the tools tag:\n%s", pkg, w.ToolsGo)
		}
	}
}

func TestKubernetesWrapperRejectsBadPins(t *testing.T) {
	for _, tag := range []string{"1.35.4", "v1.35", "v2.0.1", "v1.35.4-rc.0", ""} {
		if _, err := KubernetesWrapper(Pins{Kubernetes: tag}, []string{"k8s.io/api"}); err == nil || !strings.Contains(err.Error(), "Pins.Kubernetes") {
			t.Errorf("pin %q: err = %v, want one naming Pins.Kubernetes", tag, err)
		}
	}
}

func TestSimpleWrappers(t *testing.T) {
	tests := []struct {
		w        Wrapper
		wantMod  string
		wantArgs []string
	}{
		{
			w:        EtcdWrapper(DefaultPins),
			wantMod:  "module flotilla.dev/etcd-binary\n\ngo 1.26.0\n\nrequire go.etcd.io/etcd/server/v3 v3.6.16\n",
			wantArgs: []string{"build", "-trimpath", "-ldflags", "-s -w", "-o", "/out/etcd", "go.etcd.io/etcd/server/v3"},
		},
		{
			w:        KWOKWrapper(DefaultPins),
			wantMod:  "module flotilla.dev/kwok-binary\n\ngo 1.26.0\n\nrequire sigs.k8s.io/kwok v0.8.0\n",
			wantArgs: []string{"build", "-trimpath", "-ldflags", "-s -w", "-o", "/out/kwok", "sigs.k8s.io/kwok/cmd/kwok"},
		},
		{
			w:       MetricsServerWrapper(DefaultPins),
			wantMod: "module flotilla.dev/metrics-server-binary\n\ngo 1.26.0\n\nrequire sigs.k8s.io/metrics-server v0.9.0\n",
			wantArgs: []string{"build", "-trimpath", "-ldflags", "-s -w -X k8s.io/client-go/pkg/version.gitVersion=v0.9.0",
				"-o", "/out/metrics-server", "sigs.k8s.io/metrics-server/cmd/metrics-server"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.w.Name, func(t *testing.T) {
			if tt.w.GoMod != tt.wantMod {
				t.Errorf("go.mod:\n%s\nwant:\n%s", tt.w.GoMod, tt.wantMod)
			}
			if got := tt.w.BuildArgs("/out"); !reflect.DeepEqual(got, tt.wantArgs) {
				t.Errorf("args %q, want %q", got, tt.wantArgs)
			}
		})
	}
}
