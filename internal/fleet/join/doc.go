// Package join adds a Kubernetes cluster to the fleet and removes it again.
//
// Join checks the cluster before it changes anything in the hub: the name, the kubeconfig
// context, that the API server answers with the credential, that the credential may do what
// Flotilla needs, and that the same cluster (by the UID of its kube-system namespace) is not
// already joined under another name. Only then does it store the kubeconfig (flattened to one
// context, credentials inlined) in a Secret in the hub's flotilla-system namespace and create
// the MemberCluster; if that fails half-way, what it created is removed again.
//
// PlanUnjoin and Unjoin remove a cluster: the objects Flotilla created in it (when it is
// reachable), its Secret and its MemberCluster.
package join
