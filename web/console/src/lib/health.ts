// Health verdicts from conditions, as words (never colour alone).

import type { Application, Condition, MemberCluster } from '../types';

export type Tone = 'ok' | 'warn' | 'bad' | 'unknown' | 'info';

export function findCondition(conds: Condition[] | undefined, type: string): Condition | undefined {
  return conds?.find((c) => c.type === type);
}

export interface ClusterHealth {
  tone: Tone;
  label: string; // "Ready", "Not ready", "Unreachable", "Unknown"
  ready?: Condition;
  reachable?: Condition;
  /** failing are the conditions that are not True, for their reason and message. */
  failing: Condition[];
}

/** clusterHealth judges a member from its Reachable and Ready conditions. */
export function clusterHealth(mc: MemberCluster): ClusterHealth {
  const conds = mc.status?.conditions;
  const ready = findCondition(conds, 'Ready');
  const reachable = findCondition(conds, 'Reachable');
  const failing = [reachable, ready].filter((c): c is Condition => !!c && c.status !== 'True');
  let tone: Tone;
  let label: string;
  if (reachable && reachable.status === 'False') {
    tone = 'bad';
    label = 'Unreachable';
  } else if (ready?.status === 'True') {
    tone = 'ok';
    label = 'Ready';
  } else if (ready?.status === 'False') {
    tone = 'bad';
    label = 'Not ready';
  } else {
    tone = 'unknown';
    label = ready || reachable ? 'Unknown' : 'Awaiting first probe';
  }
  return { tone, label, ready, reachable, failing };
}

/** appHealth judges an application from Available, Progressing and its replicas. */
export function appHealth(app: Application): { tone: Tone; label: string } {
  const st = app.status ?? {};
  const available = findCondition(st.conditions, 'Available');
  const rollout = st.rollout;
  if (rollout && rollout.revision === st.currentRevision && (rollout.phase === 'Aborting' || rollout.phase === 'Aborted')) {
    return { tone: 'bad', label: rollout.phase };
  }
  if (available?.status === 'False') return { tone: 'bad', label: 'Unavailable' };
  if (available?.status === 'True') {
    const want = st.replicas ?? 0;
    const ready = st.readyReplicas ?? 0;
    return ready < want ? { tone: 'warn', label: 'Degraded' } : { tone: 'ok', label: 'Available' };
  }
  return { tone: 'unknown', label: 'Unknown' };
}

/** conditionTone: True is good for most condition types; ScalingLimited True is a warning. */
export function conditionTone(c: Condition): Tone {
  const inverted = c.type === 'ScalingLimited' || c.type === 'Progressing';
  if (c.status === 'Unknown') return 'unknown';
  if (inverted) return c.status === 'True' ? (c.type === 'Progressing' ? 'info' : 'warn') : 'ok';
  return c.status === 'True' ? 'ok' : 'bad';
}

/** phaseTone is the tone of a rollout phase. */
export function phaseTone(phase: string | undefined): Tone {
  switch (phase) {
    case 'Succeeded':
      return 'ok';
    case 'Progressing':
      return 'info';
    case 'Paused':
      return 'warn';
    case 'Aborting':
    case 'Aborted':
      return 'bad';
    default:
      return 'unknown';
  }
}

/** measurementTone is the tone of an analysis verdict. */
export function measurementTone(phase: string | undefined): Tone {
  switch (phase) {
    case 'Successful':
      return 'ok';
    case 'Failed':
    case 'Error':
      return 'bad';
    case 'Inconclusive':
      return 'warn';
    default:
      return 'unknown';
  }
}

/** outcomeTone is the tone of an audit record's outcome. */
export function outcomeTone(outcome: string): Tone {
  return outcome === 'success' ? 'ok' : outcome === 'denied' ? 'warn' : outcome === 'failure' ? 'bad' : 'unknown';
}

/**
 * specReplicas is the replica count the Scale form starts from: spec.replicas, else the
 * workload's own spec.replicas (1 when unset, as Kubernetes defaults it). Like spec.replicas it is
 * per cluster for a Duplicated placement and the fleet-wide total for a Divided one.
 */
export function specReplicas(app: Application): number {
  if (typeof app.spec.replicas === 'number') return app.spec.replicas;
  for (const r of app.spec.resources ?? []) {
    const m = r as { kind?: string; spec?: { replicas?: unknown } };
    if (m.kind === 'Deployment' || m.kind === 'StatefulSet') return typeof m.spec?.replicas === 'number' ? m.spec.replicas : 1;
  }
  return app.status?.replicas ?? 0;
}
