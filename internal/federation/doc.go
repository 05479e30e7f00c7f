// Package federation runs Applications across the fleet. Its Application reconciler, on the
// hub, turns each Application into objects in member clusters and reports back what runs:
//
//	revisions   snapshot spec.resources+overrides as ApplicationRevisions (package revision)
//	validate    render for synthetic clusters; a spec that cannot apply is InvalidSpec (render)
//	schedule    MemberCluster status + capacity estimates -> scheduling.Schedule; failover
//	            decides which lost clusters are excluded or still held (package failover)
//	observe     read the member workloads from the fleet cache (fleet.Registry)
//	propagate   server-side apply the rendered manifests to every chosen cluster, dependencies
//	            first, clusters in parallel; one member's rejection does not stop the others
//	clean up    remove Flotilla's objects (by label) from clusters no longer chosen, once the
//	            new placement is ready; never the last copy
//	status      aggregate per-cluster counts and conditions (package status), written once
//
// Deleting an Application removes its objects from every member. A member that cannot be
// reached keeps the finalizer in place: the Application stays (Applied=False, reason
// ClusterUnreachable, naming the clusters) until the member returns or is unjoined.
//
// The decision logic lives in the pure sub-packages render, revision, status and failover;
// this package only observes, calls them and writes.
package federation
