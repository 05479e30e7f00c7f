// Package fleet keeps the hub connected to its member clusters.
//
// It owns three things:
//
//   - the MemberCluster reconciler, which probes each member's API server, debounces the result
//     with hysteresis (see Observe) and writes the MemberCluster status: the Reachable and Ready
//     conditions, the Kubernetes version, node counts and the capacity summary;
//   - the Registry, the fleet cache: one connection per member built from the kubeconfig in its
//     Secret, with informers on nodes and pods (pods stripped to what the capacity summary needs)
//     and on whatever kinds other controllers ask to Watch. Other controllers use it through
//     Registry.Client, Registry.Watch, Registry.Nodes and Registry.Health;
//   - the fleet metrics (flotilla_cluster_*).
//
// Setup adds all of it to a controller-runtime manager that runs against the hub. Joining and
// unjoining clusters lives in the sub-package join; credential handling shared by both lives in
// credentials.
package fleet
