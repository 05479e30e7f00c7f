// Package audit keeps Flotilla's audit trail: who changed what, where, why and how it ended.
// Every mutation made through Flotilla (CLI, console, API) and every automated action of its
// controllers (placement, failover, rollout steps, aborts, scaling, resizing, reverts,
// freezes) becomes a Record; the hub kube-apiserver's own audit events (kubectl used
// directly) are converted into the same records (FromAPIServer), so that one query shows both.
//
// The pieces:
//
//   - Record, Normalize and Validate: the record and its limits. Records hold metadata and
//     short summaries, never objects: a Secret (and so a kubeconfig) is recorded at metadata
//     level only.
//   - Filter, ParseFilter and Match: which records a query wants (actor, object, application,
//     cluster, verb, source, time range), read from URL query parameters.
//   - Recorder: what callers use. Record never waits: it writes the record to a spool file and
//     returns; Run sends batches to a Sink in order, retrying with exponential backoff while
//     the sink fails, and a new Recorder on the same spool sends what a crashed process left.
//   - Sink: where records go. *Store and HTTPSink implement it.
//   - Store: the embedded store, and the local fleet's default.
//
// # Guarantees
//
// Delivery is at least once, in the order recorded. A record's ID is fixed when it is
// recorded (or, for the API server's events, derived from the audit ID), so a record sent
// again after a failure or a crash carries the same ID, and the Store keeps one copy: it skips
// IDs already in the segment of the record's day, which, as an ID carries its record's time,
// makes the Store's copy exactly-once. Once Record returns, a crash of the process loses
// nothing; a crash of the machine loses at most the records of the last FlushInterval (the
// spool is fsynced on that tick). Once Store.Append returns, its records are fsynced.
//
// # Why an embedded store
//
// The Store is a directory of JSON-lines files, one per UTC day of the records' times,
// appended to and fsynced once per call, queried by reading the days a query's time range
// overlaps, newest first, and retained by removing whole days (by age, then by total size).
// It needs nothing but a disk, so the local fleet has an audit trail with zero dependencies;
// it survives restarts, and a crash in the middle of a write costs only the torn line, which
// readers skip and the next write cuts off. It is meant for one hub process and thousands to
// tens of thousands of records a day: queries read whole days, and the IDs of the days being
// written are held in memory for de-duplication. A production deployment with several replicas
// or a longer history points the Recorder at a shared store through the Sink interface
// (HTTPSink to an audit service, or a database behind the same interface), or sends the
// records on to the API server's own audit pipeline.
package audit
