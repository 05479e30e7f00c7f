// Fixture objects for the mock server: a fleet of 3 member clusters (one unreachable), 4
// applications (shop/web mid-rollout, team-a/api with an aborted rollout), 2 autoscalers with a
// scale history, 2 ResourcePolicies with a revision history, events and audit records.
// Every time is relative to `now` (ms), so the fixtures look fresh whenever the server starts.

const iso = (ms) => new Date(ms).toISOString();
const min = 60_000;

function cond(type, status, reason, message, since) {
  return { type, status, reason, message, lastTransitionTime: iso(since), observedGeneration: 1 };
}

function meta(name, namespace, created, extra = {}) {
  const m = { name, uid: `uid-${namespace ?? 'cluster'}-${name}`, generation: 1, resourceVersion: '1', creationTimestamp: iso(created), ...extra };
  if (namespace) m.namespace = namespace;
  return m;
}

export function clusters(now) {
  return [
    {
      apiVersion: 'flotilla.dev/v1alpha1',
      kind: 'MemberCluster',
      metadata: meta('eu-west-1', undefined, now - 12 * 24 * 60 * min, { labels: { 'topology.flotilla.dev/region': 'eu', 'topology.flotilla.dev/zone': 'eu-west-1a' } }),
      spec: { secretRef: { name: 'eu-west-1-kubeconfig' }, region: 'eu', zone: 'eu-west-1a' },
      status: {
        observedGeneration: 1,
        conditions: [
          cond('Reachable', 'True', 'ProbeSucceeded', 'the API server answers', now - 3 * 24 * 60 * min),
          cond('Ready', 'True', 'NodesReady', '3 of 3 nodes are Ready', now - 3 * 24 * 60 * min),
        ],
        kubernetesVersion: 'v1.31.2',
        nodes: { total: 3, ready: 3 },
        resources: {
          allocatable: { cpu: '24', memory: '96Gi', pods: '330' },
          requested: { cpu: '14350m', memory: '51Gi', pods: '87' },
          available: { cpu: '9650m', memory: '45Gi', pods: '243' },
        },
        lastProbeTime: iso(now - 2000),
        lastProbeLatencyMilliseconds: 14,
      },
    },
    {
      apiVersion: 'flotilla.dev/v1alpha1',
      kind: 'MemberCluster',
      metadata: meta('us-east-1', undefined, now - 12 * 24 * 60 * min, { labels: { 'topology.flotilla.dev/region': 'us', 'topology.flotilla.dev/zone': 'us-east-1b' } }),
      spec: { secretRef: { name: 'us-east-1-kubeconfig' }, region: 'us', zone: 'us-east-1b', taints: [{ key: 'dedicated', value: 'batch', effect: 'PreferNoSchedule' }] },
      status: {
        observedGeneration: 1,
        conditions: [
          cond('Reachable', 'True', 'ProbeSucceeded', 'the API server answers', now - 6 * 24 * 60 * min),
          cond('Ready', 'True', 'NodesReady', '4 of 5 nodes are Ready', now - 40 * min),
        ],
        kubernetesVersion: 'v1.30.6',
        nodes: { total: 5, ready: 4 },
        resources: {
          allocatable: { cpu: '32', memory: '128Gi', pods: '440' },
          requested: { cpu: '29500m', memory: '101Gi', pods: '301' },
          available: { cpu: '2500m', memory: '27Gi', pods: '139' },
        },
        lastProbeTime: iso(now - 3000),
        lastProbeLatencyMilliseconds: 88,
      },
    },
    {
      apiVersion: 'flotilla.dev/v1alpha1',
      kind: 'MemberCluster',
      metadata: meta('ap-south-1', undefined, now - 5 * 24 * 60 * min, { labels: { 'topology.flotilla.dev/region': 'ap', 'topology.flotilla.dev/zone': 'ap-south-1a' } }),
      spec: { secretRef: { name: 'ap-south-1-kubeconfig' }, region: 'ap', zone: 'ap-south-1a' },
      status: {
        observedGeneration: 1,
        conditions: [
          cond(
            'Reachable',
            'False',
            'ProbeFailed',
            "the member's API server does not answer at https://ap-south-1.k8s.example.internal:6443: (i/o timeout) for 4m10s",
            now - 4 * min,
          ),
          cond('Ready', 'False', 'ProbeFailed', 'the cluster cannot be reached', now - 4 * min),
        ],
        kubernetesVersion: 'v1.31.1',
        nodes: { total: 2, ready: 2 },
        resources: {
          allocatable: { cpu: '8', memory: '32Gi', pods: '220' },
          requested: { cpu: '2100m', memory: '7Gi', pods: '31' },
          available: { cpu: '5900m', memory: '25Gi', pods: '189' },
        },
        lastProbeTime: iso(now - 4000),
        lastProbeLatencyMilliseconds: 0,
      },
    },
  ];
}

function deployment(name, image, replicas, kind = 'Deployment') {
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image, resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '384Mi' } } }] },
      },
    },
  };
}

function appConds(now, { available = true, progressing = false, message } = {}) {
  return [
    cond('Scheduled', 'True', 'Scheduled', 'placed on the clusters that fit', now - 3 * 60 * min),
    cond('Applied', 'True', 'Applied', 'every chosen cluster accepted the current revision', now - 20 * min),
    cond('Available', available ? 'True' : 'False', available ? 'ReplicasReady' : 'ReplicasNotReady', message ?? (available ? 'ready replicas meet the desired count' : 'fewer replicas are ready than desired'), now - 20 * min),
    progressing
      ? cond('Progressing', 'True', 'RolloutInProgress', 'rolling out the current revision', now - 14 * min)
      : cond('Progressing', 'False', 'RolloutComplete', 'the current revision runs everywhere', now - 2 * 60 * min),
  ];
}

export function applications(now) {
  const web = {
    apiVersion: 'flotilla.dev/v1alpha1',
    kind: 'Application',
    metadata: meta('web', 'shop', now - 9 * 24 * 60 * min, { generation: 3, labels: { 'app.kubernetes.io/part-of': 'shop' } }),
    spec: {
      resources: [deployment('web', 'registry.example.com/shop/web:v1.5.0', 6)],
      replicas: 12,
      placement: { clusterNames: ['eu-west-1', 'us-east-1'], replicaScheduling: { type: 'Divided', division: 'StaticWeights' } },
      rollout: {
        waves: [{ name: 'canary', clusterNames: ['eu-west-1'], pause: {} }, { name: 'rest' }],
        batches: [{ replicas: 1, pause: { duration: '30s' } }, { replicas: '30%' }, { replicas: '100%' }],
        analysis: {
          interval: '10s',
          failureLimit: 1,
          inconclusiveLimit: 2,
          onFailure: 'Abort',
          metrics: [
            { name: 'pods', kubernetes: { maxRestarts: 0, readyTimeout: '30s' } },
            {
              name: 'error-ratio',
              prometheus: {
                address: 'http://prometheus.monitoring:9090',
                query: 'sum(rate(http_requests_total{app="{{app}}",track="{{track}}",code=~"5.."}[1m])) / sum(rate(http_requests_total{app="{{app}}",track="{{track}}"}[1m]))',
              },
              maxIncreaseOverStable: '0.01',
            },
            {
              name: 'latency-p99',
              prometheus: { address: 'http://prometheus.monitoring:9090', query: 'histogram_quantile(0.99, ...)' },
              max: '0.25',
            },
          ],
        },
      },
      revisionHistoryLimit: 10,
    },
    status: {
      observedGeneration: 3,
      conditions: appConds(now, { progressing: true }),
      currentRevision: 'web-7d9f8a6c5',
      stableRevision: 'web-6f4b9c2d1',
      workload: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      replicas: 12,
      readyReplicas: 12,
      updatedReplicas: 1,
      availableReplicas: 12,
      clusters: [
        { name: 'eu-west-1', replicas: 6, readyReplicas: 6, updatedReplicas: 1, availableReplicas: 6, appliedRevision: 'web-6f4b9c2d1', reachable: 'True', reason: 'weight 1 of 2' },
        { name: 'us-east-1', replicas: 6, readyReplicas: 6, updatedReplicas: 0, availableReplicas: 6, appliedRevision: 'web-6f4b9c2d1', reachable: 'True', reason: 'weight 1 of 2' },
      ],
      rollout: {
        revision: 'web-7d9f8a6c5',
        phase: 'Progressing',
        message: 'wave canary, batch 2/3: waiting for 2 canary replicas to be ready in eu-west-1 (1/2)',
        wave: 0,
        waves: 2,
        waveName: 'canary',
        batch: 1,
        batches: 3,
        startedAt: iso(now - 14 * min),
        clusters: [
          { name: 'eu-west-1', wave: 0, revision: 'web-6f4b9c2d1', replicas: 6, canary: 2, canaryReady: 1, stable: 5 },
          { name: 'us-east-1', wave: 1, revision: 'web-6f4b9c2d1', replicas: 6, canary: 0, canaryReady: 0, stable: 6 },
        ],
        analysis: {
          phase: 'Successful',
          measuredAt: iso(now - 6000),
          successfulAt: iso(now - 6000),
          count: 41,
          metrics: [
            { name: 'pods', phase: 'Successful', message: '1 canary pod ready, 0 restarts' },
            { name: 'error-ratio', phase: 'Successful', value: '0.0061', stableValue: '0.0048', message: '0.0061 - 0.0048 <= 0.01 over stable' },
            { name: 'latency-p99', phase: 'Successful', value: '0.182', message: '0.182 <= max 0.25' },
          ],
        },
      },
    },
  };

  const cart = {
    apiVersion: 'flotilla.dev/v1alpha1',
    kind: 'Application',
    metadata: meta('cart', 'shop', now - 30 * 24 * 60 * min, { labels: { 'app.kubernetes.io/part-of': 'shop' } }),
    spec: {
      resources: [deployment('cart', 'registry.example.com/shop/cart:v3.2.1', 3)],
      placement: { clusterNames: ['eu-west-1', 'ap-south-1'], replicaScheduling: { type: 'Duplicated' } },
      failover: { tolerationSeconds: 600, failBack: 'Never' },
    },
    status: {
      observedGeneration: 1,
      conditions: appConds(now, { available: false, message: '3 of 6 replicas ready: ap-south-1 cannot be reached' }),
      currentRevision: 'cart-84c7b5d9f',
      stableRevision: 'cart-84c7b5d9f',
      workload: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'cart' },
      replicas: 6,
      readyReplicas: 3,
      updatedReplicas: 3,
      availableReplicas: 3,
      clusters: [
        { name: 'ap-south-1', replicas: 3, readyReplicas: 0, updatedReplicas: 0, availableReplicas: 0, appliedRevision: 'cart-84c7b5d9f', reachable: 'False', reason: 'ClusterUnreachable', message: 'the cluster cannot be reached; failover after 10m' },
        { name: 'eu-west-1', replicas: 3, readyReplicas: 3, updatedReplicas: 3, availableReplicas: 3, appliedRevision: 'cart-84c7b5d9f', reachable: 'True', reason: 'listed in clusterNames' },
      ],
    },
  };

  const ledger = {
    apiVersion: 'flotilla.dev/v1alpha1',
    kind: 'Application',
    metadata: meta('ledger', 'billing', now - 60 * 24 * 60 * min, { labels: { 'app.kubernetes.io/part-of': 'billing' } }),
    spec: {
      resources: [deployment('ledger', 'registry.example.com/billing/ledger:v12', 2, 'StatefulSet')],
      replicas: 2,
      placement: { clusterNames: ['us-east-1'], replicaScheduling: { type: 'Duplicated' } },
    },
    status: {
      observedGeneration: 1,
      conditions: appConds(now),
      currentRevision: 'ledger-5d8f9c7b6',
      stableRevision: 'ledger-5d8f9c7b6',
      workload: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'ledger' },
      replicas: 2,
      readyReplicas: 2,
      updatedReplicas: 2,
      availableReplicas: 2,
      clusters: [{ name: 'us-east-1', replicas: 2, readyReplicas: 2, updatedReplicas: 2, availableReplicas: 2, appliedRevision: 'ledger-5d8f9c7b6', reachable: 'True', reason: 'listed in clusterNames' }],
    },
  };

  const api = {
    apiVersion: 'flotilla.dev/v1alpha1',
    kind: 'Application',
    metadata: meta('api', 'team-a', now - 20 * 24 * 60 * min, { generation: 5 }),
    spec: {
      resources: [deployment('api', 'registry.example.com/team-a/api:v2.0.0-errors', 4)],
      replicas: 8,
      placement: { replicaScheduling: { type: 'Divided', division: 'AvailableCapacity' } },
      rollout: {
        batches: [{ replicas: '25%' }, { replicas: '50%' }],
        analysis: {
          interval: '5s',
          onFailure: 'Abort',
          metrics: [
            {
              name: 'error-ratio',
              prometheus: { address: 'http://prometheus.monitoring:9090', query: 'sum(rate(...{code=~"5.."}[1m])) / sum(rate(...[1m]))' },
              maxIncreaseOverStable: '0.01',
            },
          ],
        },
      },
    },
    status: {
      observedGeneration: 5,
      conditions: appConds(now, { available: true }).map((c) =>
        c.type === 'Progressing'
          ? { ...c, reason: 'RolloutAborted', message: 'the rollout of api-7b8c6d5f4 was aborted: every cluster runs api-58c6d9f7b4', lastTransitionTime: iso(now - 47 * min) }
          : c,
      ),
      currentRevision: 'api-7b8c6d5f4',
      stableRevision: 'api-58c6d9f7b4',
      workload: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
      replicas: 8,
      readyReplicas: 8,
      updatedReplicas: 0,
      availableReplicas: 8,
      clusters: [
        { name: 'eu-west-1', replicas: 5, readyReplicas: 5, updatedReplicas: 0, availableReplicas: 5, appliedRevision: 'api-58c6d9f7b4', reachable: 'True', reason: 'room for 41 replicas' },
        { name: 'us-east-1', replicas: 3, readyReplicas: 3, updatedReplicas: 0, availableReplicas: 3, appliedRevision: 'api-58c6d9f7b4', reachable: 'True', reason: 'room for 9 replicas' },
      ],
      rollout: {
        revision: 'api-7b8c6d5f4',
        phase: 'Aborted',
        reason: 'AnalysisFailed',
        message: 'analysis failed: error-ratio 0.312 - 0.004 > 0.01 over stable (2 failed measurements in a row); every cluster rolled back to api-58c6d9f7b4',
        wave: 0,
        waves: 1,
        waveName: 'all',
        batch: 0,
        batches: 3,
        startedAt: iso(now - 52 * min),
        abortedAt: iso(now - 49 * min),
        finishedAt: iso(now - 47 * min),
        clusters: [
          { name: 'eu-west-1', wave: 0, revision: 'api-58c6d9f7b4', replicas: 5, canary: 0, canaryReady: 0, stable: 5, settled: true },
          { name: 'us-east-1', wave: 0, revision: 'api-58c6d9f7b4', replicas: 3, canary: 0, canaryReady: 0, stable: 3, settled: true },
        ],
        analysis: {
          phase: 'Failed',
          measuredAt: iso(now - 49 * min),
          successfulAt: iso(now - 50 * min),
          firstFailureAt: iso(now - 49 * min - 5000),
          consecutiveFailures: 2,
          count: 9,
          metrics: [{ name: 'error-ratio', phase: 'Failed', value: '0.312', stableValue: '0.004', message: '0.312 - 0.004 > 0.01 over stable' }],
        },
      },
    },
  };
  return [web, cart, ledger, api];
}

export function revisions(now) {
  const rev = (app, ns, name, n, cause, ago) => ({
    apiVersion: 'flotilla.dev/v1alpha1',
    kind: 'ApplicationRevision',
    metadata: meta(name, ns, now - ago, { labels: { 'flotilla.dev/application': app } }),
    spec: { revision: n, changeCause: cause, resources: [] },
  });
  return [
    rev('web', 'shop', 'web-5c9d7f8b6', 1, 'initial release', 9 * 24 * 60 * min),
    rev('web', 'shop', 'web-6f4b9c2d1', 2, 'image registry.example.com/shop/web:v1.4.0', 2 * 24 * 60 * min),
    rev('web', 'shop', 'web-7d9f8a6c5', 3, 'kubectl apply: image registry.example.com/shop/web:v1.5.0', 14 * min),
    rev('cart', 'shop', 'cart-84c7b5d9f', 1, '', 30 * 24 * 60 * min),
    rev('ledger', 'billing', 'ledger-5d8f9c7b6', 1, 'initial release', 60 * 24 * 60 * min),
    rev('api', 'team-a', 'api-3f9d8c7b2', 1, 'initial release', 20 * 24 * 60 * min),
    rev('api', 'team-a', 'api-58c6d9f7b4', 2, 'image team-a/api:v1.9.3', 6 * 24 * 60 * min),
    rev('api', 'team-a', 'api-7b8c6d5f4', 3, 'image team-a/api:v2.0.0-errors', 52 * min),
  ];
}

export function autoscalers(now) {
  // Replicas of shop/web over the last 100 minutes.
  const steps = [
    [100, 4, 6],
    [88, 6, 8],
    [71, 8, 12],
    [55, 12, 16],
    [38, 16, 14],
    [24, 14, 12],
  ];
  const recs = [];
  for (let s = 290; s >= 5; s -= 15) recs.push({ time: iso(now - s * 1000), replicas: 11 + Math.round(Math.sin(s / 40) * 1.5) });
  return [
    {
      apiVersion: 'flotilla.dev/v1alpha1',
      kind: 'FleetAutoscaler',
      metadata: meta('web', 'shop', now - 9 * 24 * 60 * min),
      spec: {
        targetRef: { name: 'web' },
        minReplicas: 4,
        maxReplicas: 24,
        interval: '5s',
        metrics: [
          { name: 'cpu', resource: { name: 'cpu', targetAverageUtilization: 60 } },
          { name: 'qps', prometheus: { address: 'http://prometheus.monitoring:9090', query: 'sum(rate(http_requests_total{app="{{app}}"}[1m]))', target: { averageValue: '50' } } },
        ],
        schedules: [{ name: 'evening-peak', schedule: '30 19 * * *', timeZone: 'Asia/Shanghai', duration: '3h30m', minReplicas: 10 }],
      },
      status: {
        conditions: [
          cond('AbleToScale', 'True', 'ReadyForNewScale', 'the target can be scaled', now - 9 * 24 * 60 * min),
          cond('ScalingActive', 'True', 'ValidMetricFound', 'every metric could be read', now - 3 * 60 * min),
          cond('ScalingLimited', 'True', 'ScaleDownHeldByRollout', 'the rollout of web-7d9f8a6c5 is in progress: scaling down to 11 is held at 12', now - 10 * min),
        ],
        currentReplicas: 12,
        desiredReplicas: 12,
        minReplicas: 4,
        maxReplicas: 24,
        activeSchedules: [],
        lastScaleTime: iso(now - 24 * min),
        lastScaleReason: 'metric qps recommends 12 replicas: 571.3 requests per second / 50 per replica',
        currentMetrics: [
          { name: 'cpu', value: '57', replicas: 12 },
          { name: 'qps', value: '571.3', replicas: 12 },
        ],
        recommendations: recs,
        scales: steps.map(([ago, from, to]) => ({ time: iso(now - ago * min), from, to })),
      },
    },
    {
      apiVersion: 'flotilla.dev/v1alpha1',
      kind: 'FleetAutoscaler',
      metadata: meta('api', 'team-a', now - 20 * 24 * 60 * min),
      spec: {
        targetRef: { name: 'api' },
        minReplicas: 2,
        maxReplicas: 10,
        metrics: [
          { name: 'latency', prometheus: { address: 'http://prometheus.monitoring:9090', query: 'histogram_quantile(0.99, ...)', target: { value: '0.2' } } },
        ],
      },
      status: {
        conditions: [
          cond('AbleToScale', 'True', 'ReadyForNewScale', 'the target can be scaled', now - 20 * 24 * 60 * min),
          cond('ScalingActive', 'False', 'FailedGetMetrics', 'metric latency: Prometheus at http://prometheus.monitoring:9090 did not answer (connection refused); the count is held', now - 7 * min),
          cond('ScalingLimited', 'False', 'DesiredWithinRange', 'the desired count is within the bounds', now - 2 * 60 * min),
        ],
        currentReplicas: 8,
        desiredReplicas: 8,
        minReplicas: 2,
        maxReplicas: 10,
        lastScaleTime: iso(now - 65 * min),
        lastScaleReason: 'metric latency recommends 8 replicas: p99 0.31 s over 0.2',
        currentMetrics: [{ name: 'latency', value: '', message: 'Prometheus did not answer (connection refused)' }],
        recommendations: [],
        scales: [
          { time: iso(now - 3 * 60 * min), from: 3, to: 5 },
          { time: iso(now - 65 * min), from: 5, to: 8 },
        ],
      },
    },
  ];
}

const rr = (cpuReq, memReq, cpuLim, memLim) => {
  const r = { requests: {}, limits: {} };
  if (cpuReq) r.requests.cpu = cpuReq;
  if (memReq) r.requests.memory = memReq;
  if (cpuLim) r.limits.cpu = cpuLim;
  if (memLim) r.limits.memory = memLim;
  return r;
};

export function resourcePolicies(now) {
  const hist = [
    { revision: 3, ago: 50, reason: 'Recommendation', web: [rr('500m', '512Mi', '', '768Mi'), rr('250m', '384Mi', '', '512Mi')], side: [rr('100m', '64Mi', '', '128Mi'), rr('100m', '64Mi', '', '128Mi')], message: 'web/web: cpu request at p90 181m + 30% = 235m (step capped at -50%)' },
    { revision: 4, ago: 40, reason: 'Burst', web: [rr('250m', '384Mi', '', '512Mi'), rr('250m', '384Mi', '', '768Mi')], side: [rr('100m', '64Mi', '', '128Mi'), rr('100m', '64Mi', '200m', '128Mi')], message: 'web/web: working set 471Mi reached 92% of the memory limit 512Mi', revertedAt: now - 30 * min },
    { revision: 5, ago: 30, reason: 'AutoRevert', web: [rr('250m', '384Mi', '', '768Mi'), rr('250m', '384Mi', '', '512Mi')], side: [rr('100m', '64Mi', '200m', '128Mi'), rr('100m', '64Mi', '', '128Mi')], message: 'reverts revision 4: container web restarted 2 times (max 0)' },
    { revision: 6, ago: 20, reason: 'Recommendation', web: [rr('250m', '384Mi', '', '512Mi'), rr('300m', '352Mi', '', '512Mi')], side: [rr('100m', '64Mi', '', '128Mi'), rr('50m', '48Mi', '', '128Mi')], message: 'web/web: cpu request at p90 231m + 30% = 300m; memory request at p90 271Mi + 30% = 352Mi' },
    { revision: 7, ago: 6, reason: 'Revert', actor: 'alice@example.com', web: [rr('300m', '352Mi', '', '512Mi'), rr('250m', '384Mi', '', '512Mi')], side: [rr('50m', '48Mi', '', '128Mi'), rr('100m', '64Mi', '', '128Mi')], message: 'revert to revision 5 asked by alice@example.com' },
  ];
  return [
    {
      apiVersion: 'flotilla.dev/v1alpha1',
      kind: 'ResourcePolicy',
      metadata: meta('web-tuning', 'shop', now - 8 * 24 * 60 * min),
      spec: {
        targetRef: { name: 'web' },
        mode: 'Auto',
        window: '24h',
        containers: [
          {
            name: '*',
            targets: [
              { resource: 'cpu', field: 'request', percentile: 90, marginPercent: 30 },
              { resource: 'memory', field: 'request', percentile: 90, marginPercent: 30 },
              { resource: 'memory', field: 'limit', percentile: 100, marginPercent: 20 },
            ],
          },
        ],
      },
      status: {
        applications: ['web'],
        currentRevision: 7,
        pods: { total: 12, updated: 9, pending: 3 },
        recommendations: [
          {
            application: 'web',
            container: 'web',
            current: rr('250m', '384Mi', '', '512Mi'),
            recommended: rr('300m', '352Mi', '', '512Mi'),
            changed: true,
            reasons: ['cpu request: p90 231m + 30% = 300m', 'memory request: p90 271Mi + 30% = 352Mi', 'memory limit: peak 402Mi + 20% = 482Mi, kept at 512Mi (change under 10%)'],
            usage: { samples: 8640, since: iso(now - 24 * 60 * min), cpu: { p50: '142m', p90: '231m', max: '611m' }, memory: { p50: '233Mi', p90: '271Mi', max: '402Mi' } },
          },
          {
            application: 'web',
            container: 'sidecar',
            current: rr('100m', '64Mi', '', '128Mi'),
            recommended: rr('100m', '64Mi', '', '128Mi'),
            changed: false,
            reasons: ['cpu request: p90 38m + 30% = 49m, held: a revert holds changes until the hold ends'],
            usage: { samples: 8640, since: iso(now - 24 * 60 * min), cpu: { p50: '21m', p90: '38m', max: '95m' }, memory: { p50: '41Mi', p90: '44Mi', max: '52Mi' } },
          },
        ],
        history: hist.map((h) => ({
          revision: h.revision,
          time: iso(now - h.ago * min),
          reason: h.reason,
          actor: h.actor ?? 'flotilla-controller',
          message: h.message,
          ...(h.revertedAt ? { revertedAt: iso(h.revertedAt) } : {}),
          containers: [
            { application: 'web', container: 'sidecar', before: h.side[0], after: h.side[1] },
            { application: 'web', container: 'web', before: h.web[0], after: h.web[1] },
          ],
        })),
        holdUntil: iso(now + 54 * min),
        failures: [{ cluster: 'us-east-1', pod: 'web-6f4b9c2d1-x8k2p', message: 'resize refused: exceeded quota: compute-resources, requested: requests.memory=352Mi', attempts: 3, retryAt: iso(now + 40_000) }],
        conditions: [
          cond('Profiling', 'True', 'SamplesArriving', '8640 samples of 12 pods in 24h', now - 8 * 24 * 60 * min),
          cond('Tuned', 'False', 'Resizing', '9 of 12 pods run the resources of revision 7', now - 6 * min),
        ],
      },
    },
    {
      apiVersion: 'flotilla.dev/v1alpha1',
      kind: 'ResourcePolicy',
      metadata: meta('billing-tuning', 'billing', now - 3 * 24 * 60 * min),
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/part-of': 'billing' } },
        mode: 'Recommend',
        containers: [{ name: 'ledger', targets: [{ resource: 'cpu', field: 'request', percentile: 90 }, { resource: 'memory', field: 'limit', percentile: 100, marginPercent: 25 }] }],
      },
      status: {
        applications: ['ledger'],
        currentRevision: 2,
        pods: { total: 2, updated: 2 },
        recommendations: [
          {
            application: 'ledger',
            container: 'ledger',
            current: rr('250m', '256Mi', '', '384Mi'),
            recommended: rr('125m', '256Mi', '', '320Mi'),
            changed: true,
            reasons: ['cpu request: p90 96m = 96m, step capped at -50%: 125m', 'memory limit: peak 251Mi + 25% = 314Mi, rounded to 320Mi'],
            usage: { samples: 4100, since: iso(now - 3 * 24 * 60 * min), cpu: { p50: '61m', p90: '96m', max: '180m' }, memory: { p50: '212Mi', p90: '229Mi', max: '251Mi' } },
          },
        ],
        history: [
          {
            revision: 1,
            time: iso(now - 2 * 24 * 60 * min),
            reason: 'Recommendation',
            actor: 'flotilla-controller',
            message: 'recorded while in Auto mode',
            containers: [{ application: 'ledger', container: 'ledger', before: rr('500m', '256Mi', '', '512Mi'), after: rr('250m', '256Mi', '', '384Mi') }],
          },
          {
            revision: 2,
            time: iso(now - 26 * 60 * min),
            reason: 'Recommendation',
            actor: 'flotilla-controller',
            message: 'no change',
            containers: [{ application: 'ledger', container: 'ledger', before: rr('250m', '256Mi', '', '384Mi'), after: rr('250m', '256Mi', '', '384Mi') }],
          },
        ],
        conditions: [
          cond('Profiling', 'True', 'SamplesArriving', '4100 samples of 2 pods', now - 3 * 24 * 60 * min),
          cond('Tuned', 'True', 'AllPodsUpdated', 'every selected pod runs the resources of revision 2', now - 26 * 60 * min),
        ],
      },
    },
  ];
}

let eventSeq = 0;

/** event makes an events.k8s.io/v1 Event about an object. */
export function event(now, { ns, kind, name, type = 'Normal', reason, note, ago = 0, count }) {
  const t = iso(now - ago);
  const e = {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: meta(`${name}.${(++eventSeq).toString(16).padStart(8, '0')}`, ns, now - ago),
    eventTime: t,
    reportingController: 'flotilla.dev/controller',
    reportingInstance: 'flotilla-controller-0',
    action: reason,
    reason,
    note,
    type,
    regarding: { apiVersion: 'flotilla.dev/v1alpha1', kind, namespace: ns, name },
  };
  if (count > 1) e.series = { count, lastObservedTime: t };
  return e;
}

export function events(now) {
  return [
    event(now, { ns: 'shop', kind: 'Application', name: 'web', reason: 'RolloutStep', note: 'wave canary, batch 2/3 started in eu-west-1: 2 canary replicas', ago: 3 * min }),
    event(now, { ns: 'shop', kind: 'Application', name: 'web', reason: 'RolloutStep', note: 'wave canary, batch 1/3 ready in eu-west-1; pausing 30s', ago: 9 * min }),
    event(now, { ns: 'shop', kind: 'Application', name: 'web', reason: 'RolloutStarted', note: 'releasing web-7d9f8a6c5 (stable web-6f4b9c2d1) in 2 waves', ago: 14 * min }),
    event(now, { ns: 'shop', kind: 'FleetAutoscaler', name: 'web', reason: 'Scaled', note: 'scaled web from 14 to 12: metric qps recommends 12 replicas', ago: 24 * min }),
    event(now, { ns: 'shop', kind: 'ResourcePolicy', name: 'web-tuning', type: 'Warning', reason: 'ResizeRefused', note: 'us-east-1/web-6f4b9c2d1-x8k2p: exceeded quota: compute-resources', ago: 2 * min, count: 3 }),
    event(now, { ns: 'shop', kind: 'Application', name: 'cart', type: 'Warning', reason: 'ClusterUnreachable', note: 'ap-south-1 cannot be reached: 3 replicas count as not ready; failover after 10m', ago: 4 * min }),
    event(now, { ns: 'team-a', kind: 'Application', name: 'api', type: 'Warning', reason: 'RolloutAborted', note: 'analysis failed: error-ratio 0.312 - 0.004 > 0.01 over stable', ago: 49 * min }),
    event(now, { ns: 'team-a', kind: 'Application', name: 'api', reason: 'RolledBack', note: 'every cluster runs api-58c6d9f7b4 with all replicas available', ago: 47 * min }),
  ];
}

let auditSeq = 0;

/** auditRecord makes an audit record in the backend's shape (internal/audit.Record): before and
 * after are short texts such as "replicas 6". */
export function auditRecord(now, r) {
  return {
    id: `a-${(++auditSeq).toString().padStart(6, '0')}`,
    time: iso(now - (r.ago ?? 0)),
    source: r.source ?? 'flotilla',
    actor: { user: r.user, groups: r.groups ?? (r.kind === 'controller' ? ['system:serviceaccounts'] : ['developers']), kind: r.kind ?? 'user', via: r.via ?? (r.kind === 'controller' ? '' : 'console') },
    verb: r.verb,
    object: { apiGroup: r.apiGroup ?? 'flotilla.dev', kind: r.objKind ?? 'Application', namespace: r.ns, name: r.name },
    clusters: r.clusters ?? [],
    reason: r.reason ?? '',
    ...(r.before ? { before: r.before } : {}),
    ...(r.after ? { after: r.after } : {}),
    outcome: r.outcome ?? 'success',
    message: r.message ?? '',
    userAgent: r.userAgent ?? (r.via === 'cli' ? 'flotilla/v0.9.0 (linux/amd64)' : r.kind === 'controller' ? 'flotilla-controller' : 'Mozilla/5.0 (console)'),
  };
}

export function audit(now) {
  const sa = 'system:serviceaccount:flotilla-system:flotilla-controller';
  return [
    auditRecord(now, { ago: 40_000, user: sa, kind: 'controller', verb: 'rollout-step', ns: 'shop', name: 'web', clusters: ['eu-west-1'], reason: 'batch 2/3 of wave canary', before: 'canary 1', after: 'canary 2' }),
    auditRecord(now, { ago: 2 * min, user: 'bob@example.com', verb: 'scale', ns: 'billing', name: 'ledger', outcome: 'denied', message: 'applications.flotilla.dev "ledger" is forbidden: User "bob@example.com" cannot patch resource "applications/scale" in API group "flotilla.dev" in the namespace "billing"', before: 'replicas 2', after: 'replicas 4' }),
    auditRecord(now, { ago: 6 * min, user: 'alice@example.com', verb: 'revert', objKind: 'ResourcePolicy', ns: 'shop', name: 'web-tuning', reason: 'revert to revision 5', before: 'revision 6', after: 'revert to 5' }),
    auditRecord(now, { ago: 9 * min, user: sa, kind: 'controller', verb: 'rollout-step', ns: 'shop', name: 'web', clusters: ['eu-west-1'], reason: 'batch 1/3 of wave canary', before: 'canary 0', after: 'canary 1' }),
    auditRecord(now, { ago: 14 * min, user: 'carol@example.com', verb: 'update', objKind: 'applications', ns: 'shop', name: 'web', via: 'kubectl', source: 'apiserver', reason: 'kubectl apply', before: 'image registry.example.com/shop/web:v1.4.0', after: 'image registry.example.com/shop/web:v1.5.0', userAgent: 'kubectl/v1.31.2 (linux/amd64)' }),
    auditRecord(now, { ago: 24 * min, user: sa, kind: 'controller', verb: 'scale', ns: 'shop', name: 'web', clusters: ['eu-west-1', 'us-east-1'], reason: 'FleetAutoscaler web: metric qps recommends 12 replicas', before: 'replicas 14', after: 'replicas 12' }),
    auditRecord(now, { ago: 30 * min, user: sa, kind: 'controller', verb: 'auto-revert', objKind: 'ResourcePolicy', ns: 'shop', name: 'web-tuning', clusters: ['eu-west-1', 'us-east-1'], reason: 'container web restarted 2 times (max 0)' }),
    auditRecord(now, { ago: 47 * min, user: sa, kind: 'controller', verb: 'rollback', ns: 'team-a', name: 'api', clusters: ['eu-west-1', 'us-east-1'], reason: 'analysis failed: error-ratio 0.312 - 0.004 > 0.01 over stable', before: 'revision api-7b8c6d5f4', after: 'revision api-58c6d9f7b4' }),
    auditRecord(now, { ago: 52 * min, user: 'dave@example.com', verb: 'update', ns: 'team-a', name: 'api', via: 'cli', reason: 'flotilla apply', before: 'image team-a/api:v1.9.3', after: 'image team-a/api:v2.0.0-errors' }),
    auditRecord(now, { ago: 58 * min, user: 'dave@example.com', verb: 'scale', ns: 'team-a', name: 'api', via: 'cli', outcome: 'failure', message: 'Operation cannot be fulfilled on applications.flotilla.dev "api": the object has been modified; please apply your changes to the latest version and try again', before: 'replicas 8', after: 'replicas 10' }),
    auditRecord(now, { ago: 3 * 60 * min, user: 'alice@example.com', verb: 'promote', ns: 'shop', name: 'web', reason: 'gate web-6f4b9c2d1/wave-1', clusters: ['us-east-1'] }),
    auditRecord(now, { ago: 26 * 60 * min, user: 'erin@example.com', verb: 'undo', ns: 'shop', name: 'cart', via: 'cli', reason: 'undo to revision 1', before: 'revision cart-2b1c3d4e5', after: 'revision cart-84c7b5d9f' }),
  ];
}
