package devfleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
)

// ComponentPrometheus is the fleet's Prometheus server, a process of the hub.
const ComponentPrometheus = "prometheus"

// ErrNoPrometheus means the prometheus executable is not on PATH.
var ErrNoPrometheus = errors.New("prometheus is not installed (Debian, Ubuntu: apt-get install prometheus)")

// prometheusRetention is how long the fleet's Prometheus keeps samples: enough for the windows
// of a rollout analysis, little disk.
const prometheusRetention = "2h"

// PrometheusBinary returns the path of the prometheus executable on PATH, or ErrNoPrometheus.
func PrometheusBinary() (string, error) {
	path, err := exec.LookPath("prometheus")
	if err != nil {
		return "", ErrNoPrometheus
	}
	return path, nil
}

// ScrapeTarget is a plain-HTTP /metrics endpoint that the fleet's Prometheus scrapes every
// second.
type ScrapeTarget struct {
	// Job is the target's job label, e.g. "flotilla-traffic".
	Job string
	// Address is host:port, e.g. 127.0.0.1:24567.
	Address string
}

// EnsurePrometheus runs Prometheus from binary as a process of the hub (`dev status` lists it,
// `dev down` stops it), with its configuration and data in <home>/hub/prometheus, a retention
// of two hours and a scrape interval of one second, and waits until it is ready. What it
// scrapes is set by SetScrapeTargets, before or after. PrometheusURL gives its address.
func (f *Fleet) EnsurePrometheus(ctx context.Context, binary string) error {
	dir := f.prometheusDir()
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o750); err != nil {
		return fmt.Errorf("creating Prometheus' folder: %w", err)
	}
	if err := writeAtomic(filepath.Join(dir, "prometheus.yml"), prometheusConfig(dir)); err != nil {
		return fmt.Errorf("writing Prometheus' configuration: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "targets.json")); errors.Is(err, os.ErrNotExist) {
		if err := f.SetScrapeTargets(nil); err != nil {
			return err
		}
	}
	return f.EnsureHubProcess(ctx, HubProcess{
		Name: ComponentPrometheus, Binary: binary, HealthPath: "/-/ready", SharedPort: true,
		Args: func(port, _ int, _ ...int) []string { return prometheusArgs(dir, port) },
	})
}

// SetScrapeTargets replaces what the fleet's Prometheus scrapes. Prometheus watches the file
// it is written to and follows within seconds, without a restart.
func (f *Fleet) SetScrapeTargets(targets []ScrapeTarget) error {
	dir := f.prometheusDir()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("creating Prometheus' folder: %w", err)
	}
	raw, err := scrapeTargetsFile(targets)
	if err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, "targets.json"), raw); err != nil {
		return fmt.Errorf("writing Prometheus' scrape targets: %w", err)
	}
	return nil
}

// PrometheusURL returns the base URL of the fleet's Prometheus, e.g. http://127.0.0.1:24567
// (its HTTP API is under /api/v1), or "" when the fleet has none. It reads the fleet's state:
// Status tells whether the process runs.
func (f *Fleet) PrometheusURL() string {
	comp, ok := f.Hub.Component(ComponentPrometheus)
	if !ok {
		return ""
	}
	return url("http", comp.Port, "")
}

// prometheusDir holds Prometheus' configuration, scrape targets and data.
func (f *Fleet) prometheusDir() string { return filepath.Join(f.Hub.Dir, "prometheus") }

func prometheusArgs(dir string, port int) []string {
	return []string{
		"--config.file=" + filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--storage.tsdb.retention.time=" + prometheusRetention,
		"--web.listen-address=" + local(port),
		"--log.level=warn",
	}
}

// prometheusConfig scrapes every second whatever targets.json in dir lists (file-based
// discovery: Prometheus reloads the file when it changes).
func prometheusConfig(dir string) []byte {
	return []byte(`# Written by 'flotilla dev up'; the targets are in targets.json.
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: flotilla
    file_sd_configs:
      - files: [` + strconv.Quote(filepath.Join(dir, "targets.json")) + `]
        refresh_interval: 5s
`)
}

// scrapeTargetsFile renders targets in Prometheus' file-based discovery format: one group per
// target, labelled with its job.
func scrapeTargetsFile(targets []ScrapeTarget) ([]byte, error) {
	type group struct {
		Targets []string          `json:"targets"`
		Labels  map[string]string `json:"labels"`
	}
	groups := make([]group, 0, len(targets))
	for _, t := range targets {
		groups = append(groups, group{Targets: []string{t.Address}, Labels: map[string]string{"job": t.Job}})
	}
	return json.MarshalIndent(groups, "", "  ")
}

// writeAtomic writes data to path through a temporary file, so a reader never sees half of it.
func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
