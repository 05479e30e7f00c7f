package dev

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"flotilla.dev/flotilla/internal/cli/options"
	"flotilla.dev/flotilla/internal/devfleet/traffic"
)

// newLoadCommand is `flotilla dev load APP --qps N`: the demand the sample traffic generator
// offers an application, shared by its serving pods, so that autoscaling has something real to
// follow.
func newLoadCommand(g *options.Global) *cobra.Command {
	var home string
	var qps int
	cmd := &cobra.Command{
		Use:   "load APP --qps N",
		Short: "Offer an application of the local fleet N simulated requests per second",
		Long: `Sets the demand the local fleet's sample traffic generator offers APP (in the namespace of -n,
default "default"): its Running and Ready pods in every member share N requests per second
(flotilla_sample_requests_total) and flotilla_sample_offered_qps{namespace,app} reports N in
Prometheus, even at zero replicas. --qps -1 goes back to the default of 10 requests per second
per pod. See docs/local-fleet.md.`,
		Example: `  flotilla dev load web --qps 600`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if qps < -1 {
				return &options.UsageError{Err: fmt.Errorf("--qps %d: want a number of requests per second, or -1 for the default", qps)}
			}
			f, err := loadFleet(home)
			if err != nil {
				return err
			}
			comp, ok := f.Hub.Component(traffic.Component)
			if !ok || len(comp.Ports) < 2 {
				return fmt.Errorf("the local fleet runs no sample traffic generator: run 'flotilla dev up' (without --traffic=false)")
			}
			ns := g.Namespace
			if ns == "" {
				ns = "default"
			}
			url := "http://127.0.0.1:" + strconv.Itoa(comp.Ports[1]) + "/load/" + ns + "/" + args[0] + "?qps=" + strconv.Itoa(qps)
			return put(cmd.Context(), url, cmd.OutOrStdout())
		},
	}
	homeFlag(cmd, &home)
	cmd.Flags().IntVar(&qps, "qps", 0, "requests per second offered to the application (-1: the default per-pod rate)")
	_ = cmd.MarkFlagRequired("qps")
	return cmd
}

func put(ctx context.Context, url string, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("the sample traffic generator does not answer (is the fleet up? 'flotilla dev status'): %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the sample traffic generator refused: %s", strings.TrimSpace(string(body)))
	}
	_, err = out.Write(body)
	return err
}
