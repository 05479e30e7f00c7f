package tuning

import (
	"fmt"
	"math"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/tuning/recommender"
)

// Defaults of a ResourcePolicy's optional fields (documented on the API fields).
const (
	DefaultWindow           = 24 * time.Hour
	DefaultMinInterval      = 10 * time.Minute
	DefaultObserveFor       = 5 * time.Minute
	DefaultHoldAfterRevert  = time.Hour
	DefaultMaxStepPercent   = 50
	DefaultMinChangePercent = 10
	DefaultMinSamples       = 30
	DefaultMemoryMargin     = 20
	DefaultMaxThrottled     = 50
	DefaultBurstThreshold   = 90
	DefaultBurstStepPercent = 50
	DefaultBatchSize        = "25%"
)

// settings is a policy's spec with every default filled in.
type settings struct {
	window, minInterval, observeFor, hold time.Duration
	maxStep, minChange, memoryMargin      float64
	minSamples                            int64
	maxRestarts, maxOOMKills              int32
	maxThrottled                          float64
	batch                                 intstr.IntOrString
	burst                                 *burstSettings
}

type burstSettings struct{ memory, cpu, step float64 }

func settingsOf(spec *flotillav1alpha1.ResourcePolicySpec) settings {
	s := settings{
		window: durationOr(spec.Window, DefaultWindow), minInterval: durationOr(spec.Update.MinInterval, DefaultMinInterval),
		observeFor: durationOr(spec.Safety.ObserveFor, DefaultObserveFor), hold: durationOr(spec.Safety.HoldAfterRevert, DefaultHoldAfterRevert),
		maxStep: percentOr(spec.Update.MaxStepPercent, DefaultMaxStepPercent), minChange: percentOr(spec.Update.MinChangePercent, DefaultMinChangePercent),
		memoryMargin: percentOr(spec.Safety.MemoryMarginPercent, DefaultMemoryMargin),
		minSamples:   int64(percentOr(spec.Update.MinSamples, DefaultMinSamples)),
		maxRestarts:  int32OrZero(spec.Safety.MaxRestarts), maxOOMKills: int32OrZero(spec.Safety.MaxOOMKills),
		maxThrottled: percentOr(spec.Safety.MaxThrottledPercent, DefaultMaxThrottled),
		batch:        intstr.FromString(DefaultBatchSize),
	}
	if spec.Update.BatchSize != nil {
		s.batch = *spec.Update.BatchSize
	}
	if b := spec.Burst; b != nil {
		s.burst = &burstSettings{memory: percentOr(b.MemoryThresholdPercent, DefaultBurstThreshold),
			cpu: percentOr(b.CPUThresholdPercent, DefaultBurstThreshold), step: percentOr(b.StepPercent, DefaultBurstStepPercent)}
	}
	return s
}

func durationOr(d *metav1.Duration, def time.Duration) time.Duration {
	if d == nil || d.Duration <= 0 {
		return def
	}
	return d.Duration
}

func percentOr(p *int32, def float64) float64 {
	if p == nil {
		return def
	}
	return float64(*p)
}

func int32OrZero(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

// batchSize is how many of total pods one batch resizes (at least 1).
func (s settings) batchSize(total int) int {
	n, err := intstr.GetScaledValueFromIntOrPercent(&s.batch, total, true)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// containerPolicy is the entry of spec.containers for a container: its own, else "*".
func containerPolicy(spec *flotillav1alpha1.ResourcePolicySpec, name string) *flotillav1alpha1.ContainerTuning {
	var wildcard *flotillav1alpha1.ContainerTuning
	for i := range spec.Containers {
		c := &spec.Containers[i]
		switch c.Name {
		case name:
			return c
		case "*":
			wildcard = c
		}
	}
	return wildcard
}

// keyOf maps an API target to the recommender's key.
func keyOf(resourceName flotillav1alpha1.TunedResource, field flotillav1alpha1.TunedField) recommender.Key {
	return recommender.Key{Resource: recommender.Resource(resourceName), Field: recommender.Field(field)}
}

// values reads the tuned values (CPU in millicores, memory in bytes) of a container's
// resources; a value the container does not set is absent.
func values(rr corev1.ResourceRequirements) map[recommender.Key]int64 {
	out := map[recommender.Key]int64{}
	for _, f := range []struct {
		field recommender.Field
		list  corev1.ResourceList
	}{{recommender.Request, rr.Requests}, {recommender.Limit, rr.Limits}} {
		if q, ok := f.list[corev1.ResourceCPU]; ok {
			out[recommender.Key{Resource: recommender.CPU, Field: f.field}] = q.MilliValue()
		}
		if q, ok := f.list[corev1.ResourceMemory]; ok {
			out[recommender.Key{Resource: recommender.Memory, Field: f.field}] = q.Value()
		}
	}
	return out
}

// withValues returns rr with the tuned values set (other resources kept).
func withValues(rr corev1.ResourceRequirements, v map[recommender.Key]int64) corev1.ResourceRequirements {
	out := *rr.DeepCopy()
	for k, n := range v {
		list := &out.Requests
		if k.Field == recommender.Limit {
			list = &out.Limits
		}
		if *list == nil {
			*list = corev1.ResourceList{}
		}
		(*list)[corev1.ResourceName(k.Resource)] = quantity(k.Resource, n)
	}
	return out
}

func quantity(r recommender.Resource, n int64) resource.Quantity {
	if r == recommender.CPU {
		return *resource.NewMilliQuantity(n, resource.DecimalSI)
	}
	return *resource.NewQuantity(n, resource.BinarySI)
}

// bounds reads minAllowed/maxAllowed in the recommender's units.
func bounds(list corev1.ResourceList) map[recommender.Resource]int64 {
	out := map[recommender.Resource]int64{}
	if q, ok := list[corev1.ResourceCPU]; ok {
		out[recommender.CPU] = q.MilliValue()
	}
	if q, ok := list[corev1.ResourceMemory]; ok {
		out[recommender.Memory] = q.Value()
	}
	return out
}

// guaranteed says whether a container has requests equal to limits for CPU and memory (QoS
// Guaranteed): an in-place resize may not change a pod's QoS class, so both move together.
func guaranteed(rr corev1.ResourceRequirements) bool {
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		l, ok := rr.Limits[name]
		if !ok {
			return false
		}
		if r, ok := rr.Requests[name]; ok && r.Cmp(l) != 0 {
			return false
		}
	}
	return true
}

// sameTuned says whether two resource requirements agree on every tuned value.
func sameTuned(a, b corev1.ResourceRequirements) bool {
	va, vb := values(a), values(b)
	if len(va) != len(vb) {
		return false
	}
	for k, n := range va {
		if vb[k] != n {
			return false
		}
	}
	return true
}

// formatValue prints a tuned value the Kubernetes way.
func formatValue(r recommender.Resource, n int64) string {
	q := quantity(r, n)
	return q.String()
}

// percentOf is 100·a/b, or +Inf when b is 0.
func percentOf(a, b float64) float64 {
	if b <= 0 {
		return math.Inf(1)
	}
	return 100 * a / b
}

// appContainer names a container of one of the policy's Applications.
type appContainer struct{ app, container string }

func (a appContainer) String() string { return fmt.Sprintf("%s/%s", a.app, a.container) }
