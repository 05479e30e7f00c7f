// Package traffic simulates requests to the pods of the local fleet, so that a rollout analysis
// has real metrics to query: KWOK's pods run nothing and serve nothing.
//
// A Generator watches the pods of every member cluster and, for each Running and Ready pod,
// counts a steady number of requests per second in flotilla_sample_requests_total, labelled
// with the pod's cluster, namespace, application, track (canary or stable), revision, name and
// response code. The share of failing requests comes from the pod's image tag (Decide): a tag
// containing "errors" fails 30% of them, "errors50" 50%, any other tag none. Failures follow a
// fixed pattern (Split), not chance, so every ten requests hold exactly the ratio asked for.
//
// `flotilla dev traffic` runs a Generator for the fleet in a home folder; `flotilla dev up`
// starts it as a process of the fleet, beside a Prometheus server that scrapes it (see
// devfleet.EnsurePrometheus and docs/local-fleet.md).
package traffic
