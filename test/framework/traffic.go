package framework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"flotilla.dev/flotilla/internal/app/devup"
	"flotilla.dev/flotilla/internal/devfleet"
	"flotilla.dev/flotilla/internal/devfleet/traffic"
)

// generator is the package's sample traffic generator (Options.Traffic).
var generator *traffic.Generator

// OfferLoad sets the requests per second offered to an application of the fleet: its serving
// pods share them (flotilla_sample_requests_total) and flotilla_sample_offered_qps reports the
// demand. It needs Options.Traffic; the demand is removed when the test ends.
func OfferLoad(t testing.TB, namespace, app string, qps int) {
	t.Helper()
	if generator == nil {
		t.Fatal("no sample traffic: set framework.Options.Traffic")
	}
	generator.SetOffered(namespace, app, qps)
	t.Cleanup(func() { generator.SetOffered(namespace, app, -1) })
}

// prometheusURL is the base URL of the package's Prometheus (Options.Traffic); noPrometheus
// says why there is none; stopTraffic stops the traffic generator.
var (
	prometheusURL string
	noPrometheus  error
	stopTraffic   = func() {}
)

// startTraffic runs the sample traffic generator in the test process (until it exits) and
// Prometheus as a process of the fleet, scraping it every second, and the hub controller too
// when AfterUp ran it as a process of the fleet. A missing prometheus executable is not an
// error here: PrometheusURL skips the tests that need it.
func startTraffic(ctx context.Context, f *devfleet.Fleet) error {
	clusters, err := traffic.FleetClusters(f)
	if err != nil {
		return err
	}
	gen, err := traffic.New(clusters, traffic.Options{})
	if err != nil {
		return err
	}
	generator = gen
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(context.Background()) // it outlives the start's context
	stopTraffic = cancel
	go func() {
		if err := traffic.Serve(runCtx, gen, l); err != nil {
			fmt.Fprintf(os.Stderr, "framework: sample traffic stopped: %v\n", err)
		}
	}()
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return gen.Ready() == nil, nil
	})
	if err != nil {
		return fmt.Errorf("the sample traffic generator is not ready: %w (%w)", gen.Ready(), err)
	}
	bin, err := devfleet.PrometheusBinary()
	if err != nil {
		noPrometheus = err
		fmt.Fprintf(os.Stderr, "framework: %v: tests that query Prometheus are skipped\n", err)
		return nil
	}
	targets := append([]devfleet.ScrapeTarget{{Job: devup.JobTraffic, Address: l.Addr().String()}}, devup.ScrapeTargets(f.Hub)...)
	if err := f.SetScrapeTargets(targets); err != nil {
		return err
	}
	if err := f.EnsurePrometheus(ctx, bin); err != nil {
		return err
	}
	prometheusURL = f.PrometheusURL()
	fmt.Fprintf(os.Stderr, "framework: Prometheus at %s scrapes the sample traffic every second\n", prometheusURL)
	return nil
}

// PrometheusURL returns the base URL of the fleet's Prometheus (e.g. http://127.0.0.1:24567;
// its HTTP API is under /api/v1), which scrapes the sample traffic every second. It needs
// Options.Traffic. Without the prometheus executable the test is skipped, or fails when $CI
// is set, so that CI never skips it silently.
func PrometheusURL(t testing.TB) string {
	t.Helper()
	Fleet(t)
	switch {
	case prometheusURL != "":
		return prometheusURL
	case noPrometheus != nil && os.Getenv("CI") != "":
		t.Fatalf("needs Prometheus: %v", noPrometheus)
	case noPrometheus != nil:
		t.Skipf("needs Prometheus: %v", noPrometheus)
	default:
		t.Fatal("no Prometheus: set framework.Options.Traffic in the package's TestMain")
	}
	return ""
}

// Query runs an instant PromQL query on the fleet's Prometheus and returns the value of its
// only sample. A result with no sample or several is an error, so it suits Eventually:
//
//	framework.Eventually(t, 30*time.Second, func() error {
//		v, err := framework.Query(t, `sum(rate(flotilla_sample_requests_total[10s]))`)
//		...
//	})
func Query(t testing.TB, promql string) (float64, error) {
	t.Helper()
	base := PrometheusURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return queryScalar(ctx, base, promql)
}

// queryScalar asks base's /api/v1/query for promql and returns the value of its only sample.
func queryScalar(ctx context.Context, base, promql string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/query?"+url.Values{"query": {promql}}.Encode(), nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, err
	}
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return 0, fmt.Errorf("query %s: HTTP %d, %w: %.200s", promql, resp.StatusCode, err, body)
	}
	if r.Status != "success" {
		return 0, fmt.Errorf("query %s: %s", promql, r.Error)
	}
	if r.Data.ResultType != "vector" || len(r.Data.Result) != 1 {
		return 0, fmt.Errorf("query %s: want one sample, got %d (%s)", promql, len(r.Data.Result), r.Data.ResultType)
	}
	s, ok := r.Data.Result[0].Value[1].(string)
	if !ok {
		return 0, errors.New("query " + promql + ": the sample has no value")
	}
	return strconv.ParseFloat(s, 64)
}
