import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capacityRows, recommendationPoints, replicaSeries, requestSeries } from '../src/lib/series';
import type { FleetAutoscaler, MemberCluster, ResourcePolicy } from '../src/types';

const T = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString();

test('replicaSeries steps through status.scales up to now', () => {
  const fa: FleetAutoscaler = {
    metadata: { name: 'web' },
    spec: { targetRef: { name: 'web' }, maxReplicas: 10 },
    status: {
      currentReplicas: 9,
      scales: [
        { time: T(10), from: 6, to: 9 },
        { time: T(0), from: 4, to: 6 },
      ],
      recommendations: [
        { time: T(12), replicas: 8 },
        { time: T(11), replicas: 9 },
      ],
    },
  };
  const now = Date.parse(T(20));
  assert.deepEqual(replicaSeries(fa, now), [
    { t: Date.parse(T(0)), v: 4 },
    { t: Date.parse(T(0)), v: 6 },
    { t: Date.parse(T(10)), v: 9 },
    { t: now, v: 9 },
  ]);
  assert.deepEqual(recommendationPoints(fa).map((p) => p.v), [9, 8]);
  assert.deepEqual(replicaSeries({ ...fa, status: {} }, now), []);
});

test('requestSeries follows each container over revisions', () => {
  const rp: ResourcePolicy = {
    metadata: { name: 'p' },
    spec: {},
    status: {
      history: [
        {
          revision: 4,
          time: T(1),
          reason: 'Burst',
          actor: 'c',
          containers: [{ application: 'web', container: 'web', before: { requests: { cpu: '250m', memory: '256Mi' } }, after: { requests: { cpu: '250m', memory: '512Mi' } } }],
        },
        {
          revision: 3,
          time: T(0),
          reason: 'Recommendation',
          actor: 'c',
          containers: [{ application: 'web', container: 'web', before: { requests: { cpu: '500m', memory: '256Mi' } }, after: { requests: { cpu: '250m', memory: '256Mi' } } }],
        },
        { revision: 5, time: T(2), reason: 'Recommendation', actor: 'c', containers: [] },
      ],
    },
  };
  const [s] = requestSeries(rp);
  assert.equal(s!.container, 'web');
  assert.deepEqual(s!.cpu, [
    { revision: 2, v: 0.5 },
    { revision: 3, v: 0.25 },
    { revision: 4, v: 0.25 },
    { revision: 5, v: 0.25 },
  ]);
  assert.deepEqual(s!.memory.map((p) => p.v! / 2 ** 20), [256, 256, 512, 512]);
});

test('capacityRows derives what status leaves out', () => {
  const mc: MemberCluster = {
    metadata: { name: 'eu' },
    spec: {},
    status: { resources: { allocatable: { cpu: '4', memory: '8Gi', 'nvidia.com/gpu': '2' }, requested: { cpu: '1', memory: '2Gi' } } },
  };
  const rows = capacityRows(mc);
  assert.deepEqual(rows.find((r) => r.resource === 'cpu'), { resource: 'cpu', allocatable: 4, requested: 1, available: 3 });
  assert.deepEqual(rows.find((r) => r.resource === 'pods'), { resource: 'pods' });
  assert.deepEqual(rows.find((r) => r.resource === 'nvidia.com/gpu'), { resource: 'nvidia.com/gpu', allocatable: 2 });
  assert.deepEqual(capacityRows({ metadata: { name: 'x' }, spec: {} }).map((r) => r.resource), ['cpu', 'memory', 'pods']);
});
