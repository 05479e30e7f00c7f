// Package keepexisting is the KeepExisting score: a bonus for clusters of the current
// placement, so that equal clusters do not trade places from one decision to the next and a
// spread limit (maxClusters) keeps the clusters already in use.
package keepexisting
