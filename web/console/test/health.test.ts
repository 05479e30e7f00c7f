import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appHealth, clusterHealth, conditionTone, outcomeTone, phaseTone, specReplicas } from '../src/lib/health';
import type { Application, Condition, MemberCluster } from '../src/types';

const mc = (conditions: Condition[]): MemberCluster => ({ metadata: { name: 'eu' }, spec: {}, status: { conditions } });
const c = (type: string, status: string, reason = 'R', message = 'M'): Condition => ({ type, status, reason, message });

test('clusterHealth says it in words and keeps the failing conditions', () => {
  assert.equal(clusterHealth(mc([c('Reachable', 'True'), c('Ready', 'True')])).label, 'Ready');
  const lost = clusterHealth(mc([c('Reachable', 'False', 'ProbeFailed', 'timeout'), c('Ready', 'False')]));
  assert.equal(lost.label, 'Unreachable');
  assert.equal(lost.tone, 'bad');
  assert.deepEqual(lost.failing.map((x) => x.type), ['Reachable', 'Ready']);
  assert.equal(clusterHealth(mc([c('Reachable', 'True'), c('Ready', 'False', 'NoReadyNodes')])).label, 'Not ready');
  assert.equal(clusterHealth(mc([])).label, 'Awaiting first probe');
});

test('appHealth', () => {
  const app = (conds: Condition[], ready = 3, want = 3, rollout?: string): Application => ({
    metadata: { name: 'a' },
    spec: {},
    status: { conditions: conds, readyReplicas: ready, replicas: want, currentRevision: 'r', ...(rollout ? { rollout: { revision: 'r', phase: rollout, wave: 0, waves: 1, batch: 0, batches: 1 } } : {}) },
  });
  assert.equal(appHealth(app([c('Available', 'True')])).label, 'Available');
  assert.equal(appHealth(app([c('Available', 'True')], 2, 3)).label, 'Degraded');
  assert.equal(appHealth(app([c('Available', 'False')])).label, 'Unavailable');
  assert.equal(appHealth(app([c('Available', 'True')], 3, 3, 'Aborted')).label, 'Aborted');
  assert.equal(appHealth(app([])).label, 'Unknown');
});

test('tones', () => {
  assert.equal(conditionTone(c('ScalingLimited', 'True')), 'warn');
  assert.equal(conditionTone(c('ScalingActive', 'False')), 'bad');
  assert.equal(conditionTone(c('Progressing', 'False')), 'ok');
  assert.equal(phaseTone('Paused'), 'warn');
  assert.equal(outcomeTone('denied'), 'warn');
});

test('specReplicas: spec.replicas, else the workload, else 1', () => {
  const base: Application = { metadata: { name: 'a' }, spec: {}, status: { replicas: 6 } };
  assert.equal(specReplicas({ ...base, spec: { replicas: 0 } }), 0);
  assert.equal(specReplicas({ ...base, spec: { resources: [{ kind: 'ConfigMap' }, { kind: 'Deployment', spec: { replicas: 3 } }] } }), 3);
  assert.equal(specReplicas({ ...base, spec: { resources: [{ kind: 'StatefulSet', spec: {} }] } }), 1);
  assert.equal(specReplicas(base), 6);
});
