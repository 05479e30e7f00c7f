// The objects of the console API (docs/console-api.md): the Kubernetes objects of
// api/v1alpha1 as the hub stores them, JSON-encoded. Only the fields the console reads are typed;
// everything is optional because status fields are omitted until a controller writes them.

export type Time = string; // RFC 3339
export type ResourceList = Record<string, string>; // resource name -> quantity, e.g. {cpu: "500m"}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: Time;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  reason?: string;
  message?: string;
  lastTransitionTime?: Time;
  observedGeneration?: number;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface List<T> {
  items: T[];
}

// ---- MemberCluster ----

export interface MemberCluster {
  metadata: ObjectMeta;
  spec: {
    secretRef?: { name: string };
    region?: string;
    zone?: string;
    taints?: { key: string; value?: string; effect: string }[];
  };
  status?: {
    observedGeneration?: number;
    conditions?: Condition[];
    kubernetesVersion?: string;
    nodes?: { total: number; ready: number };
    resources?: { allocatable?: ResourceList; requested?: ResourceList; available?: ResourceList };
    lastProbeTime?: Time;
    lastProbeLatencyMilliseconds?: number;
  };
}

// ---- Application ----

export type IntOrString = number | string;

export interface RolloutPause {
  duration?: string;
}

export interface RolloutWave {
  name?: string;
  clusterNames?: string[];
  clusterSelector?: LabelSelector;
  pause?: RolloutPause;
}

export interface RolloutBatch {
  replicas: IntOrString;
  pause?: RolloutPause;
}

export interface AnalysisMetric {
  name: string;
  kubernetes?: { maxRestarts?: number; readyTimeout?: string };
  prometheus?: { address: string; query: string; timeout?: string };
  webhook?: { url: string; timeout?: string };
  max?: string;
  min?: string;
  maxIncreaseOverStable?: string;
  onEmpty?: string;
}

export interface RolloutStrategy {
  waves?: RolloutWave[];
  batches?: RolloutBatch[];
  analysis?: {
    interval?: string;
    failureLimit?: number;
    inconclusiveLimit?: number;
    onFailure?: string;
    metrics: AnalysisMetric[];
  };
  paused?: boolean;
}

export type RolloutPhase = 'Progressing' | 'Paused' | 'Succeeded' | 'Aborting' | 'Aborted';
export type MeasurementPhase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';

export interface RolloutCluster {
  name: string;
  wave: number;
  revision?: string;
  replicas: number;
  canary: number;
  canaryReady: number;
  stable: number;
  settled?: boolean;
}

export interface MetricResult {
  name: string;
  phase: MeasurementPhase | string;
  value?: string;
  stableValue?: string;
  message?: string;
}

export interface AnalysisStatus {
  phase?: MeasurementPhase | string;
  measuredAt?: Time;
  successfulAt?: Time;
  firstFailureAt?: Time;
  consecutiveFailures?: number;
  consecutiveInconclusive?: number;
  consecutiveErrors?: number;
  count?: number;
  metrics?: MetricResult[];
}

export interface RolloutStatus {
  revision: string;
  phase: RolloutPhase | string;
  reason?: string;
  message?: string;
  wave: number;
  waves: number;
  waveName?: string;
  batch: number;
  batches: number;
  stepReadyAt?: Time;
  gate?: string;
  pausedAt?: Time;
  startedAt?: Time;
  finishedAt?: Time;
  abortedAt?: Time;
  clusters?: RolloutCluster[];
  analysis?: AnalysisStatus;
}

export interface ClusterStatus {
  name: string;
  replicas: number;
  readyReplicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
  appliedRevision?: string;
  reachable?: string;
  reason?: string;
  message?: string;
}

export interface Application {
  metadata: ObjectMeta;
  spec: {
    resources?: unknown[];
    replicas?: number;
    placement?: {
      clusterNames?: string[];
      replicaScheduling?: { type?: 'Duplicated' | 'Divided' | string; division?: string };
    };
    rollout?: RolloutStrategy;
    failover?: { tolerationSeconds?: number; failBack?: string };
    revisionHistoryLimit?: number;
  };
  status?: {
    observedGeneration?: number;
    conditions?: Condition[];
    currentRevision?: string;
    stableRevision?: string;
    rollout?: RolloutStatus;
    workload?: { apiVersion: string; kind: string; name: string };
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    clusters?: ClusterStatus[];
    evictions?: { cluster: string; replicas: number; since: Time }[];
  };
}

export interface ApplicationRevision {
  metadata: ObjectMeta;
  spec: {
    revision: number;
    changeCause?: string;
  };
}

// ---- FleetAutoscaler ----

export interface ScalingMetric {
  name: string;
  resource?: { name: string; targetAverageUtilization: number };
  prometheus?: { address: string; query: string; target: { averageValue?: string; value?: string } };
  external?: { url: string; target: { averageValue?: string; value?: string } };
}

export interface FleetAutoscaler {
  metadata: ObjectMeta;
  spec: {
    targetRef: { name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics?: ScalingMetric[];
    schedules?: { name: string; schedule: string; timeZone?: string; duration: string; minReplicas?: number; maxReplicas?: number }[];
    interval?: string;
  };
  status?: {
    conditions?: Condition[];
    currentReplicas?: number;
    desiredReplicas?: number;
    minReplicas?: number;
    maxReplicas?: number;
    activeSchedules?: string[];
    lastScaleTime?: Time;
    lastScaleReason?: string;
    currentMetrics?: { name: string; value?: string; replicas?: number; message?: string }[];
    recommendations?: { time: Time; replicas: number }[];
    scales?: { time: Time; from: number; to: number }[];
  };
}

// ---- ResourcePolicy ----

export interface ResourceRequirements {
  requests?: ResourceList;
  limits?: ResourceList;
}

export interface ContainerChange {
  application: string;
  container: string;
  before?: ResourceRequirements;
  after?: ResourceRequirements;
}

export interface TuningRevision {
  revision: number;
  time: Time;
  reason: string;
  actor: string;
  message?: string;
  containers?: ContainerChange[];
  revertedAt?: Time;
}

export interface TuningRecommendation {
  application: string;
  container: string;
  current?: ResourceRequirements;
  recommended?: ResourceRequirements;
  changed?: boolean;
  reasons?: string[];
  usage?: { samples?: number; since?: Time; cpu?: Record<string, string>; memory?: Record<string, string> };
}

export interface ResourcePolicy {
  metadata: ObjectMeta;
  spec: {
    targetRef?: { name: string };
    selector?: LabelSelector;
    mode?: 'Recommend' | 'Auto' | string;
    containers?: { name: string; targets: { resource: string; field: string; percentile: number; marginPercent?: number }[] }[];
    window?: string;
  };
  status?: {
    applications?: string[];
    recommendations?: TuningRecommendation[];
    currentRevision?: number;
    history?: TuningRevision[];
    pods?: { total?: number; updated?: number; pending?: number };
    failures?: { cluster: string; pod: string; message: string; attempts?: number; retryAt: Time }[];
    holdUntil?: Time;
    conditions?: Condition[];
  };
}

// ---- events.k8s.io/v1 Event ----

export interface KubeEvent {
  metadata: ObjectMeta;
  type?: string; // Normal | Warning
  reason?: string;
  note?: string;
  eventTime?: Time | null;
  series?: { count: number; lastObservedTime: Time };
  regarding?: { kind?: string; namespace?: string; name?: string };
  reportingController?: string;
  deprecatedLastTimestamp?: Time;
  deprecatedFirstTimestamp?: Time;
  deprecatedCount?: number;
  // core/v1 spellings, accepted too
  message?: string;
  lastTimestamp?: Time;
  count?: number;
}

// ---- console API answers ----

export interface WhoAmI {
  user: string;
  groups?: string[];
}

export interface ApplicationDetail {
  application: Application;
  revisions?: ApplicationRevision[];
  autoscalers?: FleetAutoscaler[];
  resourcePolicies?: ResourcePolicy[];
  events?: KubeEvent[];
}

export interface AuditRecord {
  id: string;
  time: Time;
  source: 'flotilla' | 'apiserver' | string;
  actor: { user: string; groups?: string[]; kind: 'user' | 'controller' | string; via?: string };
  verb: string;
  object: { apiGroup?: string; kind: string; namespace?: string; name: string };
  clusters?: string[];
  reason?: string;
  before?: unknown;
  after?: unknown;
  outcome: 'success' | 'failure' | 'denied' | string;
  message?: string;
  userAgent?: string;
}

export interface ChangeEvent {
  kind?: string;
  namespace?: string;
  name?: string;
}
