// Package clusterselector is the ClusterSelector filter: when spec.placement.clusterSelector is
// set, only clusters whose labels match it (matchLabels and matchExpressions) may be chosen.
package clusterselector
