// Package devfleet runs the local fleet: a hub API server and N member clusters on 127.0.0.1,
// each a set of real Kubernetes processes (etcd, kube-apiserver, kube-controller-manager and,
// on members, kube-scheduler, KWOK simulating nodes and pods, and metrics-server serving the
// metrics API from the usage KWOK simulates, see package usage). The CLI's `flotilla dev`
// commands and the end-to-end test framework both use it.
//
// A fleet lives in one home folder ($FLOTILLA_HOME, default ~/.flotilla/dev). Its processes run
// in their own sessions and outlive the command that started them; fleet.json in the home
// folder records every process so that Load, Status, Down and the fault-injection helpers
// (StopComponent, StartComponent) find them from any process.
//
// Layout of a home folder:
//
//	fleet.json               the state: clusters, components, ports, arguments
//	hub.kubeconfig           admin kubeconfig of the hub
//	hub/                     the hub's pki/, etcd data, logs/, component kubeconfigs, pids
//	members/<name>/kubeconfig  admin kubeconfig of member <name>
//	members/<name>/...       the same layout per member, plus kwok-stages.yaml (kwok's
//	                         options, stages, simulated usage and metrics)
package devfleet
