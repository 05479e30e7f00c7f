// The rollout view of an application: phase, waves and their clusters' batch progress, the
// current batch, pause and gate, the analysis with a chart per metric, and the steering actions.

import { api } from '../api';
import { record } from '../analysisHistory';
import { LineChart, type ChartSeries, type Threshold } from '../components/Chart';
import { Age, Badge, ConfirmButton, KV, ActionStatus, useAction } from '../components/ui';
import { timeTicks } from '../lib/chart';
import { measurementTone, phaseTone } from '../lib/health';
import {
  batchLabels,
  clusterProgress,
  nextStep,
  suggestedActions,
  waves,
  type MetricHistory,
  type RolloutAction,
  type Sample,
} from '../lib/rollout';
import { clock } from '../lib/time';
import type { AnalysisMetric, Application, RolloutStatus } from '../types';

const actionInfo: Record<RolloutAction, { label: string; question: (app: string, st: RolloutStatus) => string; done: string; variant?: 'danger' }> = {
  promote: {
    label: 'Promote',
    question: (app, st) => `Open the gate ${st.gate || '(none)'} of ${app}?`,
    done: 'Promoted: the rollout goes on past the gate.',
  },
  'promote-full': {
    label: 'Promote fully',
    question: (app, st) => `Release ${st.revision} of ${app} to every remaining cluster at once?`,
    done: 'Promoted fully: every remaining cluster gets the new revision.',
  },
  pause: { label: 'Pause', question: (app) => `Pause the rollout of ${app}?`, done: 'Paused.' },
  resume: { label: 'Resume', question: (app) => `Resume the rollout of ${app}?`, done: 'Resumed.' },
  abort: {
    label: 'Abort',
    question: (app, st) => `Abort the rollout of ${st.revision} and send every cluster of ${app} back to the stable revision?`,
    done: 'Aborting: every cluster goes back to the stable revision.',
    variant: 'danger',
  },
};

export function RolloutView(props: { app: Application; reload: () => void }) {
  const { app } = props;
  const st = app.status!.rollout!;
  const ns = app.metadata.namespace ?? '';
  const name = app.metadata.name;
  const action = useAction(props.reload);
  const current = st.revision === app.status?.currentRevision;
  const suggested = suggestedActions(st, app);
  const history = record(`${ns}/${name}/${st.revision}`, st.analysis);
  const labels = batchLabels(app);
  const specBatches = app.spec.rollout?.batches ?? [];
  const next = nextStep(st);

  return (
    <section class="panel" aria-labelledby="rollout-title" data-testid="rollout">
      <div class="panel-head">
        <h2 id="rollout-title">Rollout</h2>
        <Badge tone={phaseTone(st.phase)} testid="rollout-phase">
          {st.phase}
        </Badge>
        {st.reason && (
          <span class="muted" data-testid="rollout-reason">
            {st.reason}
          </span>
        )}
        {!current && <span class="badge tone-unknown">of an earlier revision</span>}
      </div>
      {st.message && (
        <p class="rollout-message" data-testid="rollout-message">
          {st.message}
        </p>
      )}
      {next && <p class="hint">{next}</p>}
      <KV
        items={[
          ['Revision', <span class="mono">{st.revision}</span>],
          ['Stable', <span class="mono">{app.status?.stableRevision || '–'}</span>],
          ['Wave', `${st.waveName ? `${st.waveName} ` : ''}(${st.wave + 1}/${st.waves})`],
          ['Batch', <span data-testid="rollout-batch">{`${st.batch + 1}/${st.batches}`}</span>],
          ['Gate', st.gate ? <span class="mono" data-testid="rollout-gate">{st.gate}</span> : '–'],
          ['Paused', st.phase === 'Paused' && st.pausedAt ? <Age time={st.pausedAt} suffix="" /> : app.spec.rollout?.paused ? 'requested' : '–'],
          ['Started', <Age time={st.startedAt} />],
          ...(st.finishedAt ? ([['Finished', <Age time={st.finishedAt} />]] as [string, preact.ComponentChildren][]) : []),
          ...(st.abortedAt ? ([['Aborted', <Age time={st.abortedAt} />]] as [string, preact.ComponentChildren][]) : []),
        ]}
      />
      <div class="actions" role="group" aria-label="Rollout actions">
        {(Object.keys(actionInfo) as RolloutAction[]).map((a) => {
          const info = actionInfo[a];
          return (
            <ConfirmButton
              key={a}
              label={info.label}
              question={info.question(`${ns}/${name}`, st)}
              variant={info.variant ?? (suggested.has(a) ? 'primary' : 'plain')}
              testid={`rollout-${a}`}
              run={() => action.run(() => api.rollout(ns, name, a), (r) => (r.message ? `${info.label}: ${r.message}` : info.done))}
            />
          );
        })}
      </div>
      <ActionStatus result={action.result} testid="rollout-action-status" />

      <h3>Batches</h3>
      <ol class="steps" aria-label="Batches in each cluster of a wave">
        {labels.map((l, i) => {
          const pause = specBatches[i]?.pause;
          const aborted = st.phase === 'Aborted' || st.phase === 'Aborting';
          const state = st.phase === 'Succeeded' ? 'done' : aborted ? (i <= st.batch ? 'rolled back' : 'pending') : i < st.batch ? 'done' : i === st.batch ? 'current' : 'pending';
          return (
            <li key={i} class={`step step-${state.replace(' ', '-')}`} aria-current={state === 'current' ? 'step' : undefined}>
              <span class="step-n">Batch {i + 1}</span> <span class="step-v">{l}</span>
              {pause && <span class="step-p">{pause.duration ? `pause ${pause.duration}` : 'manual gate'}</span>}
              <span class="sr-only"> ({state})</span>
            </li>
          );
        })}
      </ol>

      <h3>Waves</h3>
      <div class="waves">
        {waves(app, st).map((w) => (
          <div key={w.index} class={`wave wave-${w.state.replace(' ', '-')}`} data-testid="rollout-wave" data-wave={w.name}>
            <h4>
              Wave {w.index + 1}: {w.name} <span class={`wave-state wave-state-${w.state.replace(' ', '-')}`}>{w.state}</span>
              {app.spec.rollout?.waves?.[w.index]?.pause && (
                <span class="muted small"> · then {app.spec.rollout.waves[w.index]!.pause!.duration ? `pause ${app.spec.rollout.waves[w.index]!.pause!.duration}` : 'a manual gate'}</span>
              )}
            </h4>
            {w.clusters.length === 0 ? (
              <p class="muted small">No cluster in this wave.</p>
            ) : (
              <table class="grid compact">
                <thead>
                  <tr>
                    <th scope="col">Cluster</th>
                    <th scope="col">Revision</th>
                    <th scope="col" class="num">
                      Replicas
                    </th>
                    <th scope="col" class="num">
                      Stable
                    </th>
                    <th scope="col" class="num">
                      Canary ready/wanted
                    </th>
                    <th scope="col">On new revision</th>
                    <th scope="col">Settled</th>
                  </tr>
                </thead>
                <tbody>
                  {w.clusters.map((c) => {
                    const p = clusterProgress(c, st.revision);
                    return (
                      <tr key={c.name} data-testid="rollout-cluster" data-cluster={c.name}>
                        <th scope="row">{c.name}</th>
                        <td class="mono">{c.revision || '–'}</td>
                        <td class="num">{c.replicas}</td>
                        <td class="num">{c.stable}</td>
                        <td class="num">{c.canary > 0 || c.canaryReady > 0 ? `${c.canaryReady}/${c.canary}` : '–'}</td>
                        <td>
                          <div class="meter-line">
                            <div class="meter tone-info" role="img" aria-label={`${c.name}: ${Math.round(p * 100)}% on ${st.revision}`}>
                              <div class="meter-fill" style={{ width: `${(p * 100).toFixed(1)}%` }} />
                            </div>
                            <span class="meter-text">{Math.round(p * 100)}%</span>
                          </div>
                        </td>
                        <td>{c.settled ? 'yes' : 'no'}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
          </div>
        ))}
      </div>

      <Analysis st={st} metrics={app.spec.rollout?.analysis?.metrics ?? []} history={history} />
    </section>
  );
}

function Analysis(props: { st: RolloutStatus; metrics: AnalysisMetric[]; history: MetricHistory }) {
  const a = props.st.analysis;
  if (!a && props.metrics.length === 0) return null;
  const specOf = (n: string) => props.metrics.find((m) => m.name === n);
  const names = [...new Set([...props.metrics.map((m) => m.name), ...(a?.metrics ?? []).map((m) => m.name)])];
  return (
    <div class="analysis" data-testid="rollout-analysis">
      <h3>Analysis</h3>
      {a ? (
        <p>
          <Badge tone={measurementTone(a.phase)}>{a.phase || 'no verdict yet'}</Badge> {a.count ?? 0} measurement{a.count === 1 ? '' : 's'}
          {a.measuredAt && (
            <>
              , the latest <Age time={a.measuredAt} />
            </>
          )}
          {(a.consecutiveFailures ?? 0) + (a.consecutiveInconclusive ?? 0) + (a.consecutiveErrors ?? 0) > 0 && (
            <span>
              ; in a row: {a.consecutiveFailures ?? 0} failed, {a.consecutiveInconclusive ?? 0} inconclusive, {a.consecutiveErrors ?? 0} errors
            </span>
          )}
        </p>
      ) : (
        <p class="muted">No measurement yet.</p>
      )}
      {names.length > 0 && (
        <table class="grid compact">
          <thead>
            <tr>
              <th scope="col">Metric</th>
              <th scope="col">Phase</th>
              <th scope="col" class="num">
                Value
              </th>
              <th scope="col" class="num">
                Stable
              </th>
              <th scope="col">Threshold</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {names.map((n) => {
              const m = a?.metrics?.find((x) => x.name === n);
              return (
                <tr key={n} data-testid="analysis-metric" data-metric={n}>
                  <th scope="row">{n}</th>
                  <td>{m ? <Badge tone={measurementTone(m.phase)}>{m.phase}</Badge> : <span class="muted">–</span>}</td>
                  <td class="num mono">{m?.value || '–'}</td>
                  <td class="num mono">{m?.stableValue || '–'}</td>
                  <td class="small">{thresholdText(specOf(n))}</td>
                  <td class="wrap">{m?.message || ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <div class="chart-grid">
        {names.map((n) => (
          <MetricChart key={n} name={n} spec={specOf(n)} samples={props.history[n] ?? []} />
        ))}
      </div>
      {names.length > 0 && (
        <p class="muted small">
          Charts show the measurements seen since this page was opened in this tab; the API keeps only the latest one of each metric.
        </p>
      )}
    </div>
  );
}

function thresholdText(m: AnalysisMetric | undefined): string {
  if (!m) return '–';
  const parts: string[] = [];
  if (m.max !== undefined) parts.push(`≤ ${m.max}`);
  if (m.min !== undefined) parts.push(`≥ ${m.min}`);
  if (m.maxIncreaseOverStable !== undefined) parts.push(`≤ stable + ${m.maxIncreaseOverStable}`);
  if (m.kubernetes) parts.push(`restarts ≤ ${m.kubernetes.maxRestarts ?? 0}, ready within ${m.kubernetes.readyTimeout ?? '30s'}`);
  return parts.join(', ') || '–';
}

function fmtValue(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 1) return String(Number(v.toFixed(2)));
  return String(Number(v.toPrecision(2)));
}

function MetricChart(props: { name: string; spec: AnalysisMetric | undefined; samples: Sample[] }) {
  const { samples, spec } = props;
  const numeric = samples.some((s) => s.value !== undefined || s.stable !== undefined);
  if (samples.length > 0 && !numeric) {
    const counts = samples.reduce<Record<string, number>>((acc, s) => ({ ...acc, [s.phase]: (acc[s.phase] ?? 0) + 1 }), {});
    return (
      <div class="chart verdicts" data-testid="analysis-chart" data-metric={props.name}>
        <h4>{props.name}</h4>
        <ol class="verdict-strip" aria-label={`${props.name}: verdicts of the last ${samples.length} measurements`}>
          {samples.slice(-60).map((s) => (
            <li key={s.t} class={`verdict tone-${measurementTone(s.phase)}`} title={`${clock(s.t)}: ${s.phase}`}>
              <span class="sr-only">{s.phase}</span>
            </li>
          ))}
        </ol>
        <p class="small muted">{Object.entries(counts).map(([k, v]) => `${v} ${k.toLowerCase()}`).join(', ')} (no numeric values)</p>
      </div>
    );
  }
  const series: ChartSeries[] = [{ label: 'canary', points: samples.map((s) => ({ x: s.t, y: s.value })), dots: true, color: 0 }];
  if (samples.some((s) => s.stable !== undefined)) {
    series.push({ label: 'stable', points: samples.map((s) => ({ x: s.t, y: s.stable })), dashed: true, color: 1 });
    const inc = spec?.maxIncreaseOverStable !== undefined ? Number(spec.maxIncreaseOverStable) : undefined;
    if (inc !== undefined && Number.isFinite(inc)) {
      series.push({ label: `limit (stable + ${spec!.maxIncreaseOverStable})`, points: samples.map((s) => ({ x: s.t, y: (s.stable ?? 0) + inc })), dashed: true, color: 3 });
    }
  }
  const thresholds: Threshold[] = [];
  if (spec?.max !== undefined && Number.isFinite(Number(spec.max))) thresholds.push({ y: Number(spec.max), label: `max ${spec.max}` });
  if (spec?.min !== undefined && Number.isFinite(Number(spec.min))) thresholds.push({ y: Number(spec.min), label: `min ${spec.min}` });
  const last = samples[samples.length - 1];
  const span = samples.length > 1 ? last!.t - samples[0]!.t : 0;
  return (
    <div class="chart-box" data-testid="analysis-chart" data-metric={props.name}>
      <h4>{props.name}</h4>
      <LineChart
        title={`${props.name} measured over time`}
        summary={last ? `${samples.length} measurements, the latest ${last.value ?? 'empty'} (${last.phase})${last.stable !== undefined ? `, stable ${last.stable}` : ''}` : 'no measurement yet'}
        series={series}
        thresholds={thresholds}
        xTicks={(a, b) => timeTicks(a, b, 4)}
        xFormat={(t) => clock(t, span < 600_000)}
        yFormat={fmtValue}
        height={130}
      />
    </div>
  );
}
