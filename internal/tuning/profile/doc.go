// Package profile turns kubelet resource-metric scrapes into compact per-container usage
// profiles for in-place tuning of CPU and memory requests and limits ("Dynamic resources").
//
// A sampler scrapes each member cluster node's kubelet /metrics/resource endpoint every second
// or two, parses it with [ParseResourceMetrics] and hands every [Sample] to [Store.Observe]
// under a [Key]: the ResourcePolicy that selects the pod's workload and the container name.
// All pods of the workload, in every cluster, feed the same profile per container name, as the
// Vertical Pod Autoscaler does. A recommender then reads a [Summary] (percentiles and exact
// peaks of CPU cores and memory working set over the window, 24h by default), and the
// controller checkpoints a policy's profiles to the hub with [Store.Checkpoint] and loads them
// back after a restart with [Store.Restore].
//
// # Bounded memory
//
// A profile never keeps raw samples. The window is cut into a fixed number of time slices
// (24 by default, so an hour each) aligned to the Unix epoch; each slice holds one histogram
// for CPU and one for memory, the exact maximum of each and the times of its first and last
// sample. Slices expire whole: a slice counts towards a [Summary] until its end is a whole
// window old, so a summary covers between Window minus one slice and Window, never more.
//
// Histogram buckets grow exponentially by [BucketRatio] from [CPUFirstBucket] cores and
// [MemoryFirstBucket] bytes, so a percentile is never below the true value and never above it
// by more than one bucket (a factor of BucketRatio, or up to the first bucket's upper edge for
// values inside the first bucket). Buckets are sparse: the newest slices, which samples go
// to, keep the buckets they have seen as a sorted slice of 32-bit words (a 10-bit bucket
// index and a 22-bit count); older slices are sealed into one packed string of varints,
// about a byte per bucket seen. Memory per profile is therefore bounded by slices × buckets
// seen, whatever the sample rate and however long the controller runs: about 5 KB per
// container with a day of noisy samples. The per-pod state (the previous CPU counter and the
// latest working set) is dropped by [Store.ForgetPod], or once it is a whole window old;
// [Store.Prune] reclaims profiles that stopped getting samples.
//
// The package is pure: time is always passed in, nothing reads the clock and nothing starts a
// goroutine. A [Store] is safe for concurrent use.
package profile
