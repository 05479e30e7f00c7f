package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// RolloutStrategy releases a new revision cluster by cluster (waves) and batch by batch inside
// each cluster, analysing the new revision ("canary") against the old one ("stable") on the way,
// and rolling every touched cluster back by itself when the analysis fails.
//
// In each cluster of the current wave the new revision runs as a second Deployment named
// "<workload>-canary" whose pods carry the label flotilla.dev/track=canary; the workload keeps the
// stable revision with the remaining replicas. After the last batch the workload itself is
// updated to the new revision and the canary Deployment is removed.
type RolloutStrategy struct {
	// Waves order the clusters: every cluster of a wave is released before the next wave starts.
	// A wave selects clusters by name or label; a cluster matching several waves belongs to the
	// first. Clusters matched by no wave form an implicit last wave. No waves: one wave of all
	// clusters.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=20
	Waves []RolloutWave `json:"waves,omitempty"`

	// Batches divide the release inside each cluster of a wave. Each batch says how many of the
	// cluster's replicas run the new revision once the batch is done, cumulatively: a count (1)
	// or a percentage of the cluster's replicas ("10%", rounded up). 1:2:7 of 10 replicas is
	// [1, 3, 10] or ["10%", "30%", "100%"]. A last batch below 100% is followed by an implicit
	// batch of 100%. No batches: one batch of 100%.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=20
	Batches []RolloutBatch `json:"batches,omitempty"`

	// Analysis measures the new revision while it runs and decides whether the rollout goes on.
	// +optional
	Analysis *RolloutAnalysis `json:"analysis,omitempty"`

	// Paused holds the rollout at its current step (flotilla rollout pause|resume).
	// +optional
	Paused bool `json:"paused,omitempty"`
}

// RolloutWave is a group of clusters released together.
type RolloutWave struct {
	// Name of the wave, shown in status and by `flotilla rollout status`.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Name string `json:"name,omitempty"`
	// ClusterNames are member clusters of this wave.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=1000
	ClusterNames []string `json:"clusterNames,omitempty"`
	// ClusterSelector selects member clusters of this wave by label.
	// +optional
	ClusterSelector *metav1.LabelSelector `json:"clusterSelector,omitempty"`
	// Pause, when set, holds the rollout once this wave is done, before the next wave starts.
	// +optional
	Pause *RolloutPause `json:"pause,omitempty"`
}

// RolloutBatch is one step of the release inside a cluster.
type RolloutBatch struct {
	// Replicas of the cluster that run the new revision once this batch is done: a count or a
	// percentage such as "10%".
	// +required
	// +kubebuilder:validation:XIntOrString
	Replicas intstr.IntOrString `json:"replicas"`
	// Pause, when set, holds the rollout once this batch is ready in every cluster of the wave.
	// +optional
	Pause *RolloutPause `json:"pause,omitempty"`
}

// RolloutPause holds a rollout for a while, or until someone promotes it.
type RolloutPause struct {
	// Duration of the pause. Unset: a manual gate, held until `flotilla rollout promote`.
	// +optional
	Duration *metav1.Duration `json:"duration,omitempty"`
}

// AnalysisPolicy says what a failed analysis does.
// +kubebuilder:validation:Enum=Abort;Pause
type AnalysisPolicy string

// Analysis policies.
const (
	// AnalysisAbort rolls every touched cluster back to the stable revision.
	AnalysisAbort AnalysisPolicy = "Abort"
	// AnalysisPause holds the rollout where it is until someone resumes or aborts it.
	AnalysisPause AnalysisPolicy = "Pause"
)

// RolloutAnalysis measures the new revision at an interval while it runs.
type RolloutAnalysis struct {
	// Interval between measurements (default 10s).
	// +optional
	Interval *metav1.Duration `json:"interval,omitempty"`
	// FailureLimit is how many failed measurements in a row are tolerated: the next one fails
	// the analysis (default 0: the first failure fails it).
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	FailureLimit int32 `json:"failureLimit,omitempty"`
	// InconclusiveLimit is how many inconclusive measurements in a row are tolerated before the
	// rollout pauses (default 2). A measurement is inconclusive when a metric has no value yet
	// (no data, NaN) and its onEmpty is Inconclusive.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	InconclusiveLimit *int32 `json:"inconclusiveLimit,omitempty"`
	// OnFailure is what a failed analysis does: Abort (default) or Pause.
	// +optional
	OnFailure AnalysisPolicy `json:"onFailure,omitempty"`
	// Metrics measured at every interval. A measurement fails when any metric fails.
	// +required
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=20
	Metrics []AnalysisMetric `json:"metrics"`
}

// EmptyResultPolicy says how a metric without a value (no data, NaN, +-Inf) counts.
// +kubebuilder:validation:Enum=Inconclusive;Fail
type EmptyResultPolicy string

// Empty result policies. There is deliberately no "pass": an empty result never lets a
// rollout through silently.
const (
	EmptyInconclusive EmptyResultPolicy = "Inconclusive"
	EmptyFail         EmptyResultPolicy = "Fail"
)

// AnalysisMetric is one measurement with its thresholds. Exactly one provider is set.
// +kubebuilder:validation:XValidation:rule="(has(self.kubernetes) ? 1 : 0) + (has(self.prometheus) ? 1 : 0) + (has(self.webhook) ? 1 : 0) == 1",message="each spec.rollout.analysis.metrics[] entry needs exactly one provider: kubernetes, prometheus or webhook"
// +kubebuilder:validation:XValidation:rule="!has(self.prometheus) || has(self.max) || has(self.min) || has(self.maxIncreaseOverStable)",message="a prometheus metric needs a threshold: max, min or maxIncreaseOverStable"
type AnalysisMetric struct {
	// Name of the metric, unique in the analysis.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// Kubernetes checks the canary pods in every cluster of the wave: readiness, restarts,
	// crash loops and pod creation.
	// +optional
	Kubernetes *KubernetesHealthMetric `json:"kubernetes,omitempty"`
	// Prometheus runs a PromQL query that returns one number.
	// +optional
	Prometheus *PrometheusMetric `json:"prometheus,omitempty"`
	// Webhook asks an HTTP endpoint for a value or a verdict.
	// +optional
	Webhook *WebhookMetric `json:"webhook,omitempty"`

	// Max fails the measurement when the value is above it (a decimal such as "0.05").
	// +optional
	// +kubebuilder:validation:Pattern=`^-?[0-9]+(\.[0-9]+)?$`
	Max *string `json:"max,omitempty"`
	// Min fails the measurement when the value is below it.
	// +optional
	// +kubebuilder:validation:Pattern=`^-?[0-9]+(\.[0-9]+)?$`
	Min *string `json:"min,omitempty"`
	// MaxIncreaseOverStable compares the canary with the stable revision: the query runs twice,
	// with {{track}} set to "canary" and to "stable", and the measurement fails when the canary's
	// value exceeds the stable's by more than this (e.g. "0.01" for an error ratio one point
	// worse). A stable value that is empty counts as 0.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9]+(\.[0-9]+)?$`
	MaxIncreaseOverStable *string `json:"maxIncreaseOverStable,omitempty"`
	// OnEmpty is how a measurement without a value counts: Inconclusive (default: enough of them
	// in a row pause the rollout) or Fail.
	// +optional
	OnEmpty EmptyResultPolicy `json:"onEmpty,omitempty"`
}

// KubernetesHealthMetric judges the canary pods from what the member clusters report.
type KubernetesHealthMetric struct {
	// MaxRestarts fails the measurement when canary containers restarted more than this many
	// times in total (default 0).
	// +optional
	// +kubebuilder:validation:Minimum=0
	MaxRestarts *int32 `json:"maxRestarts,omitempty"`
	// ReadyTimeout fails the measurement when a canary pod is still not ready this long after it
	// was created (default 30s). A crash-looping container fails it at once.
	// +optional
	ReadyTimeout *metav1.Duration `json:"readyTimeout,omitempty"`
}

// PrometheusMetric is a PromQL query against a Prometheus server.
type PrometheusMetric struct {
	// Address of the Prometheus server, e.g. http://prometheus.monitoring:9090.
	// +required
	// +kubebuilder:validation:Pattern=`^https?://`
	Address string `json:"address"`
	// Query is an instant PromQL query returning one sample. Placeholders: {{app}},
	// {{namespace}}, {{revision}} (the new revision), {{track}} (canary, or stable for
	// maxIncreaseOverStable) and {{clusters}} (the wave's clusters, as a regex alternation).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=4096
	Query string `json:"query"`
	// Timeout of one query (default 5s).
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`
}

// WebhookMetric POSTs the rollout's context as JSON to a URL and reads back
// {"value": <number or null>} or {"verdict": "Successful"|"Failed"|"Inconclusive"}.
type WebhookMetric struct {
	// URL to POST to.
	// +required
	// +kubebuilder:validation:Pattern=`^https?://`
	URL string `json:"url"`
	// Timeout of one call (default 5s).
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`
}

// RolloutPhase is where a rollout stands.
type RolloutPhase string

// Rollout phases.
const (
	RolloutProgressing RolloutPhase = "Progressing"
	RolloutPaused      RolloutPhase = "Paused"
	RolloutSucceeded   RolloutPhase = "Succeeded"
	RolloutAborting    RolloutPhase = "Aborting"
	RolloutAborted     RolloutPhase = "Aborted"
)

// Reasons a rollout is paused or aborted.
const (
	PauseUser                 = "UserPaused"
	PauseGate                 = "ManualGate"
	PauseDuration             = "PauseDuration"
	PauseAnalysisInconclusive = "AnalysisInconclusive"
	PauseAnalysisFailed       = "AnalysisFailed"
	PauseFleetFreeze          = "FleetFreeze"
	AbortUser                 = "UserAborted"
	AbortAnalysisFailed       = "AnalysisFailed"
)

// Annotations on an Application that steer its rollout. Each names the revision (or the gate)
// it is for, so that a stale one never acts on a later rollout.
const (
	// AnnotationPromote holds the gate (status.rollout.gate) someone approved.
	AnnotationPromote = "rollout.flotilla.dev/promote"
	// AnnotationPromoteFull holds a revision to release everywhere at once, skipping the rest.
	AnnotationPromoteFull = "rollout.flotilla.dev/promote-full"
	// AnnotationAbort holds a revision to abort: every cluster goes back to the stable revision.
	AnnotationAbort = "rollout.flotilla.dev/abort"
	// AnnotationResumedAt holds the RFC 3339 time of the last resume: pauses and aborts that
	// began before it are lifted, and a fleet freeze that began before it is ignored.
	AnnotationResumedAt = "rollout.flotilla.dev/resumed-at"
	// LabelTrack on canary pods is "canary".
	LabelTrack = "flotilla.dev/track"
	// TrackCanary and TrackStable are values of LabelTrack ({{track}} in queries).
	TrackCanary = "canary"
	TrackStable = "stable"
	// CanarySuffix is appended to the workload's name for the canary Deployment.
	CanarySuffix = "-canary"
)

// RolloutStatus is the recorded state of the release of one revision: enough to resume it
// after a restart of the controller.
type RolloutStatus struct {
	// Revision being released.
	Revision string `json:"revision"`
	// Phase: Progressing, Paused, Succeeded, Aborting or Aborted.
	Phase RolloutPhase `json:"phase"`
	// Reason is why the rollout is paused or was aborted.
	// +optional
	Reason string `json:"reason,omitempty"`
	// Message says what the rollout waits for or why it stopped, with measured values.
	// +optional
	Message string `json:"message,omitempty"`
	// Wave is the index of the current wave.
	Wave int32 `json:"wave"`
	// Waves is the number of waves.
	Waves int32 `json:"waves"`
	// WaveName is the name of the current wave.
	// +optional
	WaveName string `json:"waveName,omitempty"`
	// Batch is the index of the current batch in the current wave.
	Batch int32 `json:"batch"`
	// Batches is the number of batches (with the implicit 100%).
	Batches int32 `json:"batches"`
	// StepReadyAt is when the current step was ready in every cluster of its wave.
	// +optional
	StepReadyAt *metav1.Time `json:"stepReadyAt,omitempty"`
	// Gate names the manual gate the rollout waits at (promote it with `flotilla rollout promote`).
	// +optional
	Gate string `json:"gate,omitempty"`
	// PausedAt is when the current pause began.
	// +optional
	PausedAt *metav1.Time `json:"pausedAt,omitempty"`
	// StartedAt is when the rollout began; FinishedAt when it succeeded or was rolled back.
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`
	// +optional
	FinishedAt *metav1.Time `json:"finishedAt,omitempty"`
	// AbortedAt is when the abort began.
	// +optional
	AbortedAt *metav1.Time `json:"abortedAt,omitempty"`
	// Clusters is the release state of each cluster, sorted by name.
	// +optional
	// +listType=map
	// +listMapKey=name
	Clusters []RolloutCluster `json:"clusters,omitempty"`
	// Analysis is the latest analysis state.
	// +optional
	Analysis *AnalysisStatus `json:"analysis,omitempty"`
}

// RolloutCluster is the release state of one cluster.
type RolloutCluster struct {
	// Name of the member cluster.
	Name string `json:"name"`
	// Wave the cluster belongs to.
	Wave int32 `json:"wave"`
	// Revision of the cluster's workload (the stable revision until the cluster is promoted).
	// +optional
	Revision string `json:"revision,omitempty"`
	// Replicas the cluster runs in total.
	Replicas int32 `json:"replicas"`
	// Canary replicas wanted (of the new revision, in the canary Deployment).
	Canary int32 `json:"canary"`
	// CanaryReady replicas observed.
	CanaryReady int32 `json:"canaryReady"`
	// Stable replicas wanted (in the workload).
	Stable int32 `json:"stable"`
	// Settled is true once the cluster's workload runs its revision with every replica
	// available and no canary is left.
	// +optional
	Settled bool `json:"settled,omitempty"`
}

// MeasurementPhase is the verdict of one measurement.
type MeasurementPhase string

// Measurement phases.
const (
	MeasurementSuccessful   MeasurementPhase = "Successful"
	MeasurementFailed       MeasurementPhase = "Failed"
	MeasurementInconclusive MeasurementPhase = "Inconclusive"
	MeasurementError        MeasurementPhase = "Error"
)

// AnalysisStatus is the latest analysis of the canary.
type AnalysisStatus struct {
	// Phase of the latest measurement.
	// +optional
	Phase MeasurementPhase `json:"phase,omitempty"`
	// MeasuredAt is when the latest measurement was taken.
	// +optional
	MeasuredAt *metav1.Time `json:"measuredAt,omitempty"`
	// SuccessfulAt is when the latest successful measurement was taken.
	// +optional
	SuccessfulAt *metav1.Time `json:"successfulAt,omitempty"`
	// FirstFailureAt is when the first failed measurement of the current run of failures was taken.
	// +optional
	FirstFailureAt *metav1.Time `json:"firstFailureAt,omitempty"`
	// ConsecutiveFailures, ConsecutiveInconclusive and ConsecutiveErrors count the latest run.
	// +optional
	ConsecutiveFailures int32 `json:"consecutiveFailures,omitempty"`
	// +optional
	ConsecutiveInconclusive int32 `json:"consecutiveInconclusive,omitempty"`
	// +optional
	ConsecutiveErrors int32 `json:"consecutiveErrors,omitempty"`
	// Count is the number of measurements of this rollout.
	// +optional
	Count int32 `json:"count,omitempty"`
	// Metrics are the latest result of each metric.
	// +optional
	// +listType=map
	// +listMapKey=name
	Metrics []MetricResult `json:"metrics,omitempty"`
}

// MetricResult is the latest measurement of one metric.
type MetricResult struct {
	// Name of the metric.
	Name string `json:"name"`
	// Phase of the measurement.
	Phase MeasurementPhase `json:"phase"`
	// Value measured for the canary (a decimal, "" when empty).
	// +optional
	Value string `json:"value,omitempty"`
	// StableValue measured for the stable revision, for maxIncreaseOverStable.
	// +optional
	StableValue string `json:"stableValue,omitempty"`
	// Message explains the verdict, e.g. "error ratio 0.31 > max 0.05".
	// +optional
	Message string `json:"message,omitempty"`
}
