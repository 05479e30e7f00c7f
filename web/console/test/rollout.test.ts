import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accumulate, batchLabels, batchReplicas, clusterProgress, nextStep, suggestedActions, tracked, waveName, waves } from '../src/lib/rollout';
import type { Application, RolloutStatus } from '../src/types';

function app(rollout: Application['spec']['rollout'], st: Partial<RolloutStatus> = {}): Application {
  return {
    metadata: { name: 'web', namespace: 'shop' },
    spec: { rollout },
    status: {
      currentRevision: 'web-2',
      stableRevision: 'web-1',
      rollout: { revision: 'web-2', phase: 'Progressing', wave: 0, waves: 2, batch: 0, batches: 3, ...st },
    },
  };
}

test('batchReplicas counts cumulative batches as the planner does', () => {
  assert.equal(batchReplicas(1, 10), 1);
  assert.equal(batchReplicas('10%', 10), 1);
  assert.equal(batchReplicas('30%', 10), 3);
  assert.equal(batchReplicas('30%', 6), 2); // 1.8 rounded up
  assert.equal(batchReplicas('1%', 10), 1); // at least 1
  assert.equal(batchReplicas(20, 10), 10); // never more than the cluster has
  assert.equal(batchReplicas('100%', 0), 0);
});

test('batchLabels adds the implicit 100% batch', () => {
  assert.deepEqual(batchLabels(app({ batches: [{ replicas: 1 }, { replicas: '30%' }] })), ['1', '30%', '100%']);
  assert.deepEqual(batchLabels(app({ batches: [{ replicas: 1 }, { replicas: '100%' }] })), ['1', '100%']);
  assert.deepEqual(batchLabels(app({})), ['100%']);
});

test('waveName follows the spec, then wave-N, all and rest', () => {
  const a = app({ waves: [{ name: 'canary' }, {}] }, { wave: 1, waveName: '' });
  assert.equal(waveName(a, a.status!.rollout!, 0), 'canary');
  assert.equal(waveName(a, a.status!.rollout!, 1), 'wave-2');
  assert.equal(waveName(a, a.status!.rollout!, 2), 'rest');
  const b = app({}, { waves: 1 });
  assert.equal(waveName(b, b.status!.rollout!, 0), 'all');
});

test('waves groups clusters and marks done, current and pending', () => {
  const a = app(
    { waves: [{ name: 'canary', clusterNames: ['eu'] }, { name: 'rest' }] },
    {
      wave: 1,
      waves: 3,
      clusters: [
        { name: 'eu', wave: 0, replicas: 4, canary: 0, canaryReady: 0, stable: 4, revision: 'web-2', settled: true },
        { name: 'us', wave: 1, replicas: 6, canary: 2, canaryReady: 1, stable: 5, revision: 'web-1' },
      ],
    },
  );
  const w = waves(a, a.status!.rollout!);
  assert.deepEqual(
    w.map((x) => [x.name, x.state, x.clusters.map((c) => c.name)]),
    [
      ['canary', 'done', ['eu']],
      ['rest', 'current', ['us']],
      ['rest', 'pending', []],
    ],
  );
  assert.equal(clusterProgress(w[0]!.clusters[0]!, 'web-2'), 1);
  const aborted = { ...a.status!.rollout!, phase: 'Aborted' };
  assert.deepEqual(
    waves(a, aborted).map((x) => x.state),
    ['rolled back', 'rolled back', 'pending'],
  );
  assert.equal(clusterProgress(w[1]!.clusters[0]!, 'web-2'), 1 / 6);
});

test('tracked ignores a rollout of an earlier revision', () => {
  const a = app({});
  assert.ok(tracked(a));
  a.status!.currentRevision = 'web-3';
  assert.equal(tracked(a), undefined);
});

test('accumulate keeps one sample per measurement and caps the history', () => {
  let h = accumulate({}, undefined);
  assert.deepEqual(h, {});
  const m = (t: string, v: string, s?: string) => ({
    measuredAt: t,
    metrics: [
      { name: 'err', phase: 'Successful', value: v, ...(s ? { stableValue: s } : {}) },
      { name: 'pods', phase: 'Successful' },
    ],
  });
  h = accumulate(h, m('2026-01-01T00:00:00Z', '0.1', '0.05'));
  const same = accumulate(h, m('2026-01-01T00:00:00Z', '0.1'));
  assert.equal(same, h, 'the same measurement adds nothing');
  h = accumulate(h, m('2026-01-01T00:00:10Z', '', undefined));
  assert.equal(h.err!.length, 2);
  assert.deepEqual(h.err![0], { t: Date.parse('2026-01-01T00:00:00Z'), phase: 'Successful', value: 0.1, stable: 0.05 });
  assert.deepEqual(h.err![1], { t: Date.parse('2026-01-01T00:00:10Z'), phase: 'Successful' });
  assert.equal(h.pods!.length, 2);
  let capped = {};
  for (let i = 0; i < 10; i++) capped = accumulate(capped, m(new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), String(i)), 4);
  assert.deepEqual((capped as Record<string, { value?: number }[]>).err!.map((s) => s.value), [6, 7, 8, 9]);
});

test('suggestedActions and nextStep follow the phase', () => {
  const gate = app({ waves: [] }, { phase: 'Paused', reason: 'ManualGate', gate: 'web-2/wave-1' });
  assert.deepEqual([...suggestedActions(gate.status!.rollout, gate)], ['promote']);
  assert.match(nextStep(gate.status!.rollout!), /Promote/);
  const running = app({});
  assert.deepEqual([...suggestedActions(running.status!.rollout, running)], ['pause']);
  assert.equal(nextStep(running.status!.rollout!), '');
  const failed = app({}, { phase: 'Paused', reason: 'AnalysisFailed' });
  assert.deepEqual([...suggestedActions(failed.status!.rollout, failed)].sort(), ['abort', 'resume']);
  const aborted = app({}, { phase: 'Aborted', reason: 'AnalysisFailed' });
  assert.deepEqual([...suggestedActions(aborted.status!.rollout, aborted)], ['resume']);
  assert.match(nextStep(aborted.status!.rollout!), /Resume/);
});
