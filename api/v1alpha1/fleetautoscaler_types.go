package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// FleetAutoscalerSpec scales an Application's fleet-wide replica count from metrics summed over
// every cluster, within bounds that cron schedules can move. The scheduler divides the count
// between clusters as the Application's placement says.
// +kubebuilder:validation:XValidation:rule="!has(self.minReplicas) || self.minReplicas <= self.maxReplicas",message="spec.minReplicas must not exceed spec.maxReplicas",fieldPath=".minReplicas"
// +kubebuilder:validation:XValidation:rule="!has(self.minReplicas) || self.minReplicas > 0 || (has(self.metrics) && self.metrics.exists(m, has(m.prometheus) || has(m.external)))",message="spec.minReplicas 0 (scale to zero) needs a prometheus or external metric to wake the application up: resource metrics have no pods to read at zero",fieldPath=".minReplicas"
type FleetAutoscalerSpec struct {
	// TargetRef names the Application to scale, in the autoscaler's namespace.
	// +required
	TargetRef ApplicationReference `json:"targetRef"`

	// MinReplicas is the lowest fleet-wide replica count (default 1). 0 lets the application
	// scale to zero when its metrics say there is no work; a prometheus or external metric then
	// wakes it up.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=0
	MinReplicas *int32 `json:"minReplicas,omitempty"`
	// MaxReplicas is the highest fleet-wide replica count.
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100000
	MaxReplicas int32 `json:"maxReplicas"`

	// Metrics drive the replica count; the highest recommendation wins (as in the HPA).
	// No metrics: the count follows the bounds (and schedules) alone.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=10
	Metrics []ScalingMetric `json:"metrics,omitempty"`

	// Behavior tunes how fast the count moves: tolerance, stabilization windows, rate policies.
	// +optional
	Behavior *ScalingBehavior `json:"behavior,omitempty"`

	// Schedules move the bounds for windows of time (cron with a time zone), e.g. min 50 from
	// 19:30 to 23:00 Asia/Shanghai. While several are active the highest bound of each kind wins.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=20
	Schedules []ScalingSchedule `json:"schedules,omitempty"`

	// Interval between evaluations (default 5s).
	// +optional
	Interval *metav1.Duration `json:"interval,omitempty"`
}

// ApplicationReference names an Application in the same namespace.
type ApplicationReference struct {
	// Name of the Application.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// ScalingMetric is one signal and its target. Exactly one source is set.
// +kubebuilder:validation:XValidation:rule="(has(self.resource) ? 1 : 0) + (has(self.prometheus) ? 1 : 0) + (has(self.external) ? 1 : 0) == 1",message="each spec.metrics[] entry needs exactly one source: resource, prometheus or external"
type ScalingMetric struct {
	// Name of the metric, unique in the autoscaler.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`
	// Resource is the CPU or memory utilization of the application's pods (usage over requests),
	// read from each member's metrics API and averaged over every pod of the fleet.
	// +optional
	Resource *ResourceScalingMetric `json:"resource,omitempty"`
	// Prometheus is a PromQL query returning one number for the whole fleet (e.g. requests per
	// second summed over clusters). Placeholders: {{app}}, {{namespace}}.
	// +optional
	Prometheus *PrometheusScalingMetric `json:"prometheus,omitempty"`
	// External asks an HTTP endpoint for the value: POST {"autoscaler","application",
	// "namespace","metric"}, answer {"value": <number>}.
	// +optional
	External *ExternalScalingMetric `json:"external,omitempty"`
}

// ResourceScalingMetric is a utilization target.
type ResourceScalingMetric struct {
	// Name is cpu or memory.
	// +required
	// +kubebuilder:validation:Enum=cpu;memory
	Name corev1.ResourceName `json:"name"`
	// TargetAverageUtilization is the wanted average usage, in percent of the pods' requests.
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	TargetAverageUtilization int32 `json:"targetAverageUtilization"`
}

// ScalingTarget is what a metric's value is compared with. Exactly one is set.
// +kubebuilder:validation:XValidation:rule="(has(self.averageValue) ? 1 : 0) + (has(self.value) ? 1 : 0) == 1",message="set exactly one target: averageValue (per replica) or value (for the whole fleet)"
type ScalingTarget struct {
	// AverageValue is the wanted value per replica: replicas = ceil(value / averageValue), e.g.
	// "50" requests per second per replica.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9]+(\.[0-9]+)?$`
	AverageValue *string `json:"averageValue,omitempty"`
	// Value is the wanted value of the metric: replicas = ceil(current * value / target), e.g. a
	// P99 latency of "0.2" seconds.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9]+(\.[0-9]+)?$`
	Value *string `json:"value,omitempty"`
}

// PrometheusScalingMetric is a PromQL query and its target.
type PrometheusScalingMetric struct {
	// Address of the Prometheus server, e.g. http://prometheus.monitoring:9090.
	// +required
	// +kubebuilder:validation:Pattern=`^https?://`
	Address string `json:"address"`
	// Query is an instant query returning one number.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=4096
	Query string `json:"query"`
	// Target of the value.
	// +required
	Target ScalingTarget `json:"target"`
}

// ExternalScalingMetric is a value served over HTTP and its target.
type ExternalScalingMetric struct {
	// URL to POST to.
	// +required
	// +kubebuilder:validation:Pattern=`^https?://`
	URL string `json:"url"`
	// Target of the value.
	// +required
	Target ScalingTarget `json:"target"`
}

// ScalingBehavior is HPA-style behavior.
type ScalingBehavior struct {
	// Tolerance is the relative change ignored, as a decimal (default "0.1": no scaling while
	// the metrics are within 10% of their targets).
	// +optional
	// +kubebuilder:validation:Pattern=`^0(\.[0-9]+)?$`
	Tolerance *string `json:"tolerance,omitempty"`
	// ScaleUp (default: no stabilization; at most double, or +4 replicas, per 15 s, whichever is more).
	// +optional
	ScaleUp *ScalingRules `json:"scaleUp,omitempty"`
	// ScaleDown (default: the highest recommendation of the last 300 s; any amount per 15 s).
	// +optional
	ScaleDown *ScalingRules `json:"scaleDown,omitempty"`
}

// SelectPolicy picks among several rate policies.
// +kubebuilder:validation:Enum=Max;Min;Disabled
type SelectPolicy string

// Select policies.
const (
	SelectMax      SelectPolicy = "Max"
	SelectMin      SelectPolicy = "Min"
	SelectDisabled SelectPolicy = "Disabled"
)

// ScalingRules bound one direction of scaling.
type ScalingRules struct {
	// StabilizationWindowSeconds: the recommendations of this many past seconds are considered,
	// and the most conservative one (the highest when scaling down, the lowest when scaling up)
	// is used, so that a short dip or spike moves nothing.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=3600
	StabilizationWindowSeconds *int32 `json:"stabilizationWindowSeconds,omitempty"`
	// Policies limit the change per period.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=10
	Policies []ScalingPolicy `json:"policies,omitempty"`
	// SelectPolicy: Max (default) allows the biggest change the policies allow, Min the
	// smallest, Disabled none in this direction.
	// +optional
	SelectPolicy SelectPolicy `json:"selectPolicy,omitempty"`
}

// ScalingPolicyType is the unit of a policy.
// +kubebuilder:validation:Enum=Pods;Percent
type ScalingPolicyType string

// Policy types.
const (
	PodsPolicy    ScalingPolicyType = "Pods"
	PercentPolicy ScalingPolicyType = "Percent"
)

// ScalingPolicy allows a change of Value pods (or percent) per PeriodSeconds.
type ScalingPolicy struct {
	// Type is Pods or Percent.
	// +required
	Type ScalingPolicyType `json:"type"`
	// Value is the change allowed.
	// +required
	// +kubebuilder:validation:Minimum=1
	Value int32 `json:"value"`
	// PeriodSeconds is the window the change is counted over.
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1800
	PeriodSeconds int32 `json:"periodSeconds"`
}

// ScalingSchedule moves the bounds for a window that starts at each firing of a cron schedule.
// +kubebuilder:validation:XValidation:rule="has(self.minReplicas) || has(self.maxReplicas)",message="a schedule needs minReplicas or maxReplicas"
type ScalingSchedule struct {
	// Name of the schedule.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Name string `json:"name"`
	// Schedule is a standard 5-field cron expression for when the window starts, e.g.
	// "30 19 * * *" (19:30 every day) or "0 9 * * 1-5".
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Schedule string `json:"schedule"`
	// TimeZone of the schedule, an IANA name such as "Asia/Shanghai" (default UTC).
	// +optional
	// +kubebuilder:validation:MaxLength=64
	TimeZone string `json:"timeZone,omitempty"`
	// Duration of the window, e.g. "3h30m".
	// +required
	Duration metav1.Duration `json:"duration"`
	// MinReplicas during the window.
	// +optional
	// +kubebuilder:validation:Minimum=0
	MinReplicas *int32 `json:"minReplicas,omitempty"`
	// MaxReplicas during the window.
	// +optional
	// +kubebuilder:validation:Minimum=1
	MaxReplicas *int32 `json:"maxReplicas,omitempty"`
}

// Condition types and reasons of a FleetAutoscaler.
const (
	ConditionAbleToScale    = "AbleToScale"
	ConditionScalingActive  = "ScalingActive"
	ConditionScalingLimited = "ScalingLimited"

	ReasonTargetNotFound     Reason = "TargetNotFound"
	ReasonInvalidSchedule    Reason = "InvalidSchedule"
	ReasonReadyForNewScale   Reason = "ReadyForNewScale"
	ReasonMetricsAvailable   Reason = "ValidMetricFound"
	ReasonMetricsUnavailable Reason = "FailedGetMetrics"
	ReasonNoMetrics          Reason = "NoMetrics"
	ReasonTooFewReplicas     Reason = "TooFewReplicas"
	ReasonTooManyReplicas    Reason = "TooManyReplicas"
	ReasonDesiredWithinRange Reason = "DesiredWithinRange"
	ReasonScaleDownHeld      Reason = "ScaleDownHeldByRollout"
)

// FleetAutoscalerStatus is the latest decision.
type FleetAutoscalerStatus struct {
	// ObservedGeneration is the generation of the spec this status reflects.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions: AbleToScale, ScalingActive, ScalingLimited.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// CurrentReplicas is the Application's fleet-wide count when last evaluated. Optional in the
	// schema: a status patch computed from a first, empty status leaves out a count that is 0.
	// +optional
	CurrentReplicas int32 `json:"currentReplicas"`
	// DesiredReplicas is the count the autoscaler last decided.
	// +optional
	DesiredReplicas int32 `json:"desiredReplicas"`
	// MinReplicas and MaxReplicas are the bounds in force (after schedules).
	// +optional
	MinReplicas int32 `json:"minReplicas,omitempty"`
	// +optional
	MaxReplicas int32 `json:"maxReplicas,omitempty"`
	// ActiveSchedules are the schedules whose window is open.
	// +optional
	// +listType=set
	ActiveSchedules []string `json:"activeSchedules,omitempty"`
	// LastScaleTime is when the count last changed; LastScaleReason says why.
	// +optional
	LastScaleTime *metav1.Time `json:"lastScaleTime,omitempty"`
	// +optional
	LastScaleReason string `json:"lastScaleReason,omitempty"`
	// CurrentMetrics are the latest values.
	// +optional
	// +listType=map
	// +listMapKey=name
	CurrentMetrics []ScalingMetricStatus `json:"currentMetrics,omitempty"`
	// Recommendations are what the stabilization windows look at: each count recommended within
	// the longest window, with the last time it was.
	// +optional
	// +listType=atomic
	Recommendations []Recommendation `json:"recommendations,omitempty"`
	// Scales are the recent changes the rate policies count.
	// +optional
	// +listType=atomic
	Scales []ScaleEvent `json:"scales,omitempty"`
}

// ScalingMetricStatus is the latest value of one metric and what it recommends.
type ScalingMetricStatus struct {
	// Name of the metric.
	Name string `json:"name"`
	// Value measured ("" when it could not be read).
	// +optional
	Value string `json:"value,omitempty"`
	// Replicas this metric alone recommends.
	// +optional
	Replicas int32 `json:"replicas,omitempty"`
	// Message says why the value is missing, if it is.
	// +optional
	Message string `json:"message,omitempty"`
}

// Recommendation is one past recommendation.
type Recommendation struct {
	Time     metav1.Time `json:"time"`
	Replicas int32       `json:"replicas"`
}

// ScaleEvent is one past change of the count.
type ScaleEvent struct {
	Time metav1.Time `json:"time"`
	From int32       `json:"from"`
	To   int32       `json:"to"`
}

// FleetAutoscaler scales an Application's replicas across the fleet.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=fa,categories=flotilla
// +kubebuilder:printcolumn:name="Target",type=string,JSONPath=`.spec.targetRef.name`
// +kubebuilder:printcolumn:name="Min",type=integer,JSONPath=`.status.minReplicas`
// +kubebuilder:printcolumn:name="Max",type=integer,JSONPath=`.status.maxReplicas`
// +kubebuilder:printcolumn:name="Current",type=integer,JSONPath=`.status.currentReplicas`
// +kubebuilder:printcolumn:name="Desired",type=integer,JSONPath=`.status.desiredReplicas`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type FleetAutoscaler struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   FleetAutoscalerSpec   `json:"spec"`
	Status FleetAutoscalerStatus `json:"status,omitempty"`
}

// FleetAutoscalerList is a list of FleetAutoscalers.
//
// +kubebuilder:object:root=true
type FleetAutoscalerList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []FleetAutoscaler `json:"items"`
}
