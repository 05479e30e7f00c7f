// Package recommender is the pure decision logic of in-place container resource tuning: from a
// container's current requests and limits, the usage profile the profiler measured and a
// ResourcePolicy's settings, it computes the new values to apply with the pod resize
// subresource. It does no I/O, reads no clock and uses plain Go types; CPU is in millicores and
// memory in bytes.
//
// Recommend applies these rules in this order: 1 to 5 and 7 to each target in turn, then 6 to
// each resource's request and limit; 8 is the guarantee that results.
//
//  1. Target: raw = the target percentile of the resource's usage (100 is the peak) × (1 +
//     margin/100). CPU is rounded up to a whole millicore (at least 1m), memory up to a whole
//     MiB (at least 1Mi).
//  2. Unset keys: a target on a request or limit the container does not set (or sets to 0) is
//     skipped with a note.
//  3. Step limit: with MaxStepPercent > 0 the value moves at most that percentage of the current
//     value per step, up or down (memory step limits are rounded to a whole MiB towards the
//     current value when that keeps a move).
//  4. Bounds: the value is clamped to [MinAllowed, MaxAllowed] of the resource.
//  5. Memory safety: a memory limit may be raised to anything within the bounds but is never
//     lowered below the floor max(peak usage, CurrentMemory × (1 + MemoryMarginPercent/100)),
//     rounded up to a MiB; at worst it stays where it is. When the floor is above MaxAllowed (or
//     unknown) the limit is not lowered at all.
//  6. Requests and limits: after all targets a request is never above its limit; a request that
//     would be is lowered to the limit, even by less than the hysteresis. A Guaranteed container
//     (request == limit) keeps them equal: the pair follows the limit's target if there is one,
//     else the request's, computed against the limit so that the bounds and the memory floor
//     hold for both.
//  7. Hysteresis: a value only changes when it moves by at least MinChangePercent of the current
//     value; otherwise the current value is kept.
//  8. Bounds invariant: every recommended value is within [MinAllowed, MaxAllowed] or equal to
//     the current value. An existing out-of-bounds value may be left where moving it would break
//     the memory safety rule or the request/limit rule.
//
// Rule 7 (numbered as in the design) is applied to each value before rule 6 is enforced on the values that result, so that
// a limit change the hysteresis holds back can never leave a request above the limit that is
// actually kept. Invalid inputs (bounds that cannot be met, usage or targets that are not
// numbers, a key set to 0) are skipped with a note rather than guessed at.
//
// Burst is the fast path: a container whose memory working set, or CPU rate, is near its limit
// gets that limit raised at once, up to MaxAllowed, instead of waiting for the long-window
// recommendation. It never lowers anything.
package recommender
