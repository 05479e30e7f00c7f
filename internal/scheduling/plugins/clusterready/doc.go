// Package clusterready is the ClusterReady filter: only clusters the caller reports Ready may
// be chosen. The caller decides what Ready means (e.g. it keeps a cluster Ready during a short
// blip shorter than the failover toleration).
package clusterready
