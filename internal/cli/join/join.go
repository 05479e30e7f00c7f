// Package join is `flotilla join NAME --kubeconfig FILE`: add a cluster to the fleet. The
// checks and writes live in internal/fleet/join, shared with `flotilla dev up`.
package join

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/cli/options"
	fleetjoin "flotilla.dev/flotilla/internal/fleet/join"
)

// NewCommand returns `flotilla join`.
func NewCommand(g *options.Global) *cobra.Command {
	var (
		o                         fleetjoin.Options
		hubKubeconfig, hubContext string
	)
	cmd := &cobra.Command{
		Use:   "join NAME --kubeconfig FILE [--context C] [--region R] [--zone Z]",
		Short: "Add a Kubernetes cluster to the fleet",
		Long: `Join a cluster to the fleet under NAME (a DNS label).

--kubeconfig and --context name the MEMBER cluster's credential; the hub is found with
--hub-kubeconfig/--hub-context, else $KUBECONFIG, else ~/.kube/config.

Before it changes anything in the hub, join checks that the member answers with the
credential, that the credential may manage deployments, statefulsets, configmaps, secrets,
services, serviceaccounts, persistentvolumeclaims and namespaces and read nodes and pods, and
that the cluster is not already joined under another name. It then stores the kubeconfig
(the chosen context only, files inlined) in a Secret in the hub's flotilla-system namespace
and creates the MemberCluster. Joining again under the same name updates the credential.`,
		Example: `  flotilla join eu-west-1 --kubeconfig ~/.kube/eu-west-1.yaml --region eu --zone eu-west-1a`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if o.KubeconfigPath == "" {
				return &options.UsageError{Err: fmt.Errorf("--kubeconfig is required: the kubeconfig file of the cluster to join")}
			}
			if err := fleetjoin.ValidateName(o.Name); err != nil {
				return &options.UsageError{Err: err}
			}
			g.Kubeconfig, g.Context = hubKubeconfig, hubContext
			hub, err := g.Client()
			if err != nil {
				return err
			}
			mc, err := fleetjoin.Join(cmd.Context(), hub, o)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.Out, "membercluster/%s joined (cluster id %s)\n", mc.Name, mc.Labels[flotillav1alpha1.LabelClusterID])
			fmt.Fprintf(g.Out, "Watch it become Ready with: flotilla get clusters %s\n", mc.Name)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.KubeconfigPath, "kubeconfig", "", "kubeconfig file of the cluster to join (required)")
	f.StringVar(&o.Context, "context", "", "context of that kubeconfig (default: its current-context)")
	f.StringVar(&o.Region, "region", "", "region of the cluster (label topology.flotilla.dev/region)")
	f.StringVar(&o.Zone, "zone", "", "zone of the cluster (label topology.flotilla.dev/zone)")
	f.DurationVar(&o.Timeout, "timeout", 30*time.Second, "how long to wait for the cluster's answers")
	f.StringVar(&hubKubeconfig, "hub-kubeconfig", "", "kubeconfig of the hub (default: $KUBECONFIG, then ~/.kube/config)")
	f.StringVar(&hubContext, "hub-context", "", "context of the hub kubeconfig")
	return cmd
}
