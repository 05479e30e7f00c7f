package dev

import (
	"fmt"

	"github.com/spf13/cobra"

	"flotilla.dev/flotilla/internal/cli/options"
	"flotilla.dev/flotilla/internal/devfleet/binaries"
)

func newBinariesCommand(g *options.Global) *cobra.Command {
	var rebuild bool
	cmd := &cobra.Command{
		Use:   "binaries",
		Short: "Build (or reuse) the pinned Kubernetes, etcd, KWOK and metrics-server binaries",
		Long: fmt.Sprintf(`Builds kube-apiserver, kube-controller-manager, kube-scheduler %s, etcd %s, KWOK %s and
metrics-server %s from the Go module proxy into the cache ($FLOTILLA_CACHE_DIR, default
~/.cache/flotilla). The first build takes about 15 minutes on 2 cores; later ones reuse the cache.`,
			binaries.DefaultPins.Kubernetes, binaries.DefaultPins.Etcd, binaries.DefaultPins.KWOK, binaries.DefaultPins.MetricsServer),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			build := binaries.Ensure
			if rebuild {
				build = binaries.Build
			}
			dir, err := build(cmd.Context(), binaries.DefaultPins, g.ErrOut)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.Out, dir)
			return nil
		},
	}
	cmd.Flags().BoolVar(&rebuild, "rebuild", false, "build again even when the cache holds the binaries")
	return cmd
}
