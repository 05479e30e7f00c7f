// The rollout view's arithmetic: wave names, batch sizes, the clusters of each wave, and the
// sequence of analysis measurements accumulated while the page is open.

import type { AnalysisStatus, Application, IntOrString, RolloutCluster, RolloutStatus } from '../types';
import { parseTime } from './time';

/** tracked is the rollout of the current revision, or undefined (as `flotilla rollout status`). */
export function tracked(app: Application): RolloutStatus | undefined {
  const st = app.status?.rollout;
  if (!st || !st.revision || st.revision !== app.status?.currentRevision) return undefined;
  return st;
}

/** waveName names wave i as the planner does: the spec's name, "wave-N", "all" or "rest". */
export function waveName(app: Application, st: RolloutStatus, i: number): string {
  if (i === st.wave && st.waveName) return st.waveName;
  const spec = app.spec.rollout?.waves ?? [];
  if (i < spec.length) return spec[i]!.name || `wave-${i + 1}`;
  return spec.length === 0 ? 'all' : 'rest';
}

/** batchReplicas is how many of `replicas` run the new revision after a batch (rounded up, at least 1). */
export function batchReplicas(b: IntOrString, replicas: number): number {
  if (replicas <= 0) return 0;
  let n: number;
  if (typeof b === 'number') n = b;
  else if (b.endsWith('%')) n = Math.ceil((Number(b.slice(0, -1)) * replicas) / 100);
  else n = Number(b);
  if (!Number.isFinite(n)) return replicas;
  return Math.min(replicas, Math.max(1, n));
}

/** batchLabels lists the batches with the implicit 100% one, as the status counts them. */
export function batchLabels(app: Application): string[] {
  const spec = app.spec.rollout?.batches ?? [];
  const labels = spec.map((b) => String(b.replicas));
  const last = spec[spec.length - 1];
  if (!last || last.replicas !== '100%') labels.push('100%');
  return labels;
}

export type WaveState = 'done' | 'current' | 'pending' | 'rolled back';

export interface WaveView {
  index: number;
  name: string;
  state: WaveState;
  clusters: RolloutCluster[];
}

/** waves groups the rollout's clusters by wave, every wave listed even when it has no cluster. */
export function waves(app: Application, st: RolloutStatus): WaveView[] {
  const n = Math.max(st.waves || 0, ...(st.clusters ?? []).map((c) => c.wave + 1), st.wave + 1);
  const out: WaveView[] = [];
  const finished = st.phase === 'Succeeded';
  const aborted = st.phase === 'Aborted' || st.phase === 'Aborting';
  for (let i = 0; i < n; i++) {
    let state: WaveState = finished || i < st.wave ? 'done' : i === st.wave ? 'current' : 'pending';
    if (aborted && state !== 'pending') state = 'rolled back';
    out.push({ index: i, name: waveName(app, st, i), state, clusters: (st.clusters ?? []).filter((c) => c.wave === i) });
  }
  return out;
}

/** clusterProgress is the share (0..1) of a cluster's replicas that run the new revision and are
 * ready: the ready canary replicas, or all of them once the cluster's workload runs the new revision. */
export function clusterProgress(c: RolloutCluster, newRevision: string): number {
  if (c.revision === newRevision) return 1;
  if (c.replicas <= 0) return 0;
  return Math.min(1, c.canaryReady / c.replicas);
}

// ---- analysis history ----

export interface Sample {
  t: number; // ms since the epoch
  value?: number; // canary value, absent when empty
  stable?: number;
  phase: string;
}

/** MetricHistory holds the measurements seen of each metric, keyed by metric name. */
export type MetricHistory = Record<string, Sample[]>;

/**
 * accumulate adds the latest measurement of each metric (status.rollout.analysis only holds the
 * latest) to the history, once per measuredAt, keeping at most `cap` samples per metric.
 * It returns the same object when nothing is new.
 */
export function accumulate(history: MetricHistory, analysis: AnalysisStatus | undefined, cap = 240): MetricHistory {
  const t = parseTime(analysis?.measuredAt);
  if (!analysis || t === undefined || !analysis.metrics?.length) return history;
  let changed = false;
  const next: MetricHistory = { ...history };
  for (const m of analysis.metrics) {
    const seen = next[m.name] ?? [];
    if (seen.length > 0 && seen[seen.length - 1]!.t >= t) continue;
    const value = m.value !== undefined && m.value !== '' ? Number(m.value) : undefined;
    const stable = m.stableValue !== undefined && m.stableValue !== '' ? Number(m.stableValue) : undefined;
    const sample: Sample = { t, phase: m.phase };
    if (value !== undefined && Number.isFinite(value)) sample.value = value;
    if (stable !== undefined && Number.isFinite(stable)) sample.stable = stable;
    next[m.name] = [...seen, sample].slice(-cap);
    changed = true;
  }
  return changed ? next : history;
}

export type RolloutAction = 'promote' | 'promote-full' | 'pause' | 'resume' | 'abort';

/**
 * suggestedActions are the rollout actions that fit the phase, to emphasise them; the others stay
 * available, and the API says why one does not apply.
 */
export function suggestedActions(st: RolloutStatus | undefined, app: Application): Set<RolloutAction> {
  const out = new Set<RolloutAction>();
  const phase = st?.phase;
  const running = phase === 'Progressing' || phase === 'Paused';
  if (st?.gate && phase === 'Paused') out.add('promote');
  if (phase === 'Progressing' && !app.spec.rollout?.paused) out.add('pause');
  if (app.spec.rollout?.paused || (phase === 'Paused' && st?.reason !== 'ManualGate' && st?.reason !== 'PauseDuration') || phase === 'Aborted') {
    out.add('resume');
  }
  if (running && (st?.reason === 'AnalysisFailed' || st?.reason === 'AnalysisInconclusive')) out.add('abort');
  return out;
}

/** nextStep says what the user can do about a rollout that waits for them or stopped. */
export function nextStep(st: RolloutStatus): string {
  if (st.phase === 'Aborted' || st.phase === 'Aborting') return `Fix the release and apply it again, or Resume to release ${st.revision} again from the first wave.`;
  if (st.phase !== 'Paused') return '';
  switch (st.reason) {
    case 'ManualGate':
      return 'Waiting at a manual gate: Promote opens it (Promote fully releases every cluster at once), or Abort rolls back.';
    case 'UserPaused':
      return 'Paused by a user: Resume goes on.';
    case 'FleetFreeze':
      return 'Held by a fleet-wide change freeze: Resume overrides the freeze for this application.';
    case 'AnalysisFailed':
    case 'AnalysisInconclusive':
      return 'Held by the analysis: Resume goes on, Abort rolls every cluster back to the stable revision.';
    case 'PauseDuration':
      return 'Pausing for the configured duration; it goes on by itself.';
  }
  return '';
}
