// Package clusternames is the ClusterNames filter: when spec.placement.clusterNames is set, only
// the clusters it names may be chosen.
package clusternames
