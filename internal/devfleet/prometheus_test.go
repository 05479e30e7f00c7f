package devfleet

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"k8s.io/utils/clock"
)

func TestHubProcessPorts(t *testing.T) {
	args := func(health, metrics int, extra ...int) []string {
		return []string{strings.Repeat("h", health), strings.Repeat("m", metrics), strings.Repeat("x", len(extra))}
	}
	own := HubProcess{ExtraPorts: 1, Args: args}
	if got := own.portCount(); got != 3 {
		t.Errorf("health + metrics + 1 extra: %d ports, want 3", got)
	}
	if got, want := own.args([]int{1, 2, 3}), []string{"h", "mm", "x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("args = %v, want %v", got, want)
	}
	shared := HubProcess{SharedPort: true, Args: args}
	if got := shared.portCount(); got != 1 {
		t.Errorf("a shared port: %d ports, want 1", got)
	}
	if got, want := shared.args([]int{2}), []string{"hh", "mm", ""}; !reflect.DeepEqual(got, want) {
		t.Errorf("args = %v, want %v", got, want)
	}
	if own.healthPath() != "/readyz" || (HubProcess{HealthPath: "/-/ready"}).healthPath() != "/-/ready" {
		t.Error("the health path defaults to /readyz and can be set")
	}
}

func TestPrometheusFiles(t *testing.T) {
	home := t.TempDir()
	f := &Fleet{Home: home, Hub: Cluster{Name: "hub", Dir: filepath.Join(home, "hub")}}
	if err := f.SetScrapeTargets([]ScrapeTarget{{Job: "flotilla-traffic", Address: "127.0.0.1:20001"}}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(home, "hub", "prometheus", "targets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var groups []struct {
		Targets []string          `json:"targets"`
		Labels  map[string]string `json:"labels"`
	}
	if err := json.Unmarshal(raw, &groups); err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || groups[0].Targets[0] != "127.0.0.1:20001" || groups[0].Labels["job"] != "flotilla-traffic" {
		t.Errorf("targets.json = %s", raw)
	}
	if raw, _ := scrapeTargetsFile(nil); string(raw) != "[]" {
		t.Errorf("no targets = %s, want []", raw)
	}
	dir := f.prometheusDir()
	config := string(prometheusConfig(dir))
	for _, want := range []string{"scrape_interval: 1s", `files: ["` + filepath.Join(dir, "targets.json") + `"]`} {
		if !strings.Contains(config, want) {
			t.Errorf("configuration does not say %s:\n%s", want, config)
		}
	}
	args := strings.Join(prometheusArgs(dir, 20002), " ")
	for _, want := range []string{"--web.listen-address=127.0.0.1:20002", "--storage.tsdb.path=" + filepath.Join(dir, "data"), "--storage.tsdb.retention.time=2h"} {
		if !strings.Contains(args, want) {
			t.Errorf("arguments do not hold %s: %s", want, args)
		}
	}
}

func TestPrometheusURL(t *testing.T) {
	f := &Fleet{}
	if got := f.PrometheusURL(); got != "" {
		t.Errorf("no Prometheus: %q, want empty", got)
	}
	f.Hub.Components = []Component{{Name: ComponentPrometheus, Port: 20003, Ports: []int{20003}}}
	if got, want := f.PrometheusURL(), "http://127.0.0.1:20003"; got != want {
		t.Errorf("PrometheusURL = %q, want %q", got, want)
	}
}

func TestRemoveHubProcess(t *testing.T) {
	home := t.TempDir()
	comp := sleeper(t, home)
	f := &Fleet{Home: home, Hub: Cluster{Name: "hub", Components: []Component{{Name: ComponentAPIServer}, comp}}}
	f.init(clock.RealClock{}, nil, true)
	if _, err := startProcess(f.procs, comp, home, true); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := f.RemoveHubProcess(ctx, ComponentAPIServer); err == nil {
		t.Error("removed the hub's API server")
	}
	if err := f.RemoveHubProcess(ctx, comp.Name); err != nil {
		t.Fatal(err)
	}
	if running(comp) != 0 {
		t.Error("the removed process still runs")
	}
	saved, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := saved.Hub.Component(comp.Name); ok {
		t.Error("the removed process is still in the fleet's state")
	}
	if err := f.RemoveHubProcess(ctx, comp.Name); err != nil {
		t.Errorf("removing it again: %v", err)
	}
}
