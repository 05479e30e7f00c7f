// Package scheduling decides where an Application runs: which member clusters, and how many of
// the workload's replicas each one gets.
//
// Schedule is a pure function of its Input: filter the clusters with the plugins of
// package framework (plugins/<name>), score those that pass, select the best within
// spec.placement.spread, then assign replicas (Duplicated, or Divided by StaticWeights or by
// AvailableCapacity). It prefers the current placement (Input.Previous): a decision that is still
// valid is kept exactly, and a change of the total moves as few replicas as possible.
//
// The Application reconciler (package federation) calls Schedule; it does all the I/O.
// docs/scheduling.md describes the rules for users.
package scheduling
