import { api } from '../api';
import { LineChart, type ChartSeries, type Threshold } from '../components/Chart';
import { Age, Conditions, ErrorText, KV, Loading } from '../components/ui';
import { timeTicks } from '../lib/chart';
import { appHref, href } from '../lib/route';
import { recommendationPoints, replicaSeries } from '../lib/series';
import { clock, dateTime } from '../lib/time';
import { kinds, useResource } from '../live';
import { namespaceFilter } from '../prefs';
import { useNow, useStore } from '../store';
import type { FleetAutoscaler, ScalingMetric } from '../types';

/** Autoscalers lists the FleetAutoscalers (or one, from an application's link). */
export function Autoscalers(props: { namespace?: string; name?: string }) {
  const filterNs = useStore(namespaceFilter);
  const ns = props.namespace ?? (filterNs || undefined);
  const res = useResource(() => api.autoscalers(ns), [ns], kinds(['FleetAutoscaler'], ns));
  let items = [...(res.data?.items ?? [])].sort(
    (a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name),
  );
  const one = props.name !== undefined;
  if (one) items = items.filter((fa) => fa.metadata.name === props.name && (fa.metadata.namespace ?? '') === props.namespace);
  return (
    <>
      {one && (
        <nav class="crumbs" aria-label="Breadcrumb">
          <a href="#/autoscalers">Autoscalers</a> <span aria-hidden="true">›</span> {props.namespace} <span aria-hidden="true">›</span>{' '}
          <span aria-current="page">{props.name}</span>
        </nav>
      )}
      <div class="page-head">
        <h1>Autoscalers</h1>
        {res.data && !one && (
          <p class="summary" data-testid="autoscaler-count">
            {items.length} {items.length === 1 ? 'autoscaler' : 'autoscalers'}
          </p>
        )}
      </div>
      <ErrorText error={res.error} />
      {!res.data && !res.error && <Loading what="autoscalers" />}
      {res.data && items.length === 0 && (
        <p class="muted">{one ? `FleetAutoscaler ${props.namespace}/${props.name} does not exist.` : 'No FleetAutoscalers.'}</p>
      )}
      {items.map((fa) => (
        <AutoscalerPanel key={`${fa.metadata.namespace}/${fa.metadata.name}`} fa={fa} />
      ))}
    </>
  );
}

function AutoscalerPanel({ fa }: { fa: FleetAutoscaler }) {
  const now = useNow();
  const ns = fa.metadata.namespace ?? '';
  const st = fa.status ?? {};
  const id = `fa-${ns}-${fa.metadata.name}`;
  const min = st.minReplicas ?? fa.spec.minReplicas ?? 1;
  const max = st.maxReplicas ?? fa.spec.maxReplicas;
  const replicas = replicaSeries(fa, now);
  const recs = recommendationPoints(fa);
  const series: ChartSeries[] = [{ label: 'replicas', points: replicas.map((p) => ({ x: p.t, y: p.v })), step: true, color: 0 }];
  if (recs.length) series.push({ label: 'recommendations', points: recs.map((p) => ({ x: p.t, y: p.v })), dots: true, line: false, color: 2 });
  const thresholds: Threshold[] = [
    { y: min, label: `min ${min}` },
    { y: max, label: `max ${max}` },
  ];
  const xs = [...replicas.map((p) => p.t), ...recs.map((p) => p.t)];
  const domain: [number, number] | undefined = xs.length ? [Math.min(...xs), Math.max(now, ...xs)] : undefined;
  const span = domain ? domain[1] - domain[0] : 0;
  return (
    <section class="panel" aria-labelledby={id} data-testid="autoscaler" data-autoscaler={`${ns}/${fa.metadata.name}`}>
      <div class="panel-head">
        <h2 id={id}>
          <span class="muted">{ns}/</span>
          {fa.metadata.name}
        </h2>
        <span>
          targets <a href={appHref(ns, fa.spec.targetRef.name)}>{fa.spec.targetRef.name}</a>
        </span>
      </div>
      <div class="numbers" role="group" aria-label="Replicas">
        <Num label="Min" value={min} testid="fa-min" />
        <Num label="Max" value={max} testid="fa-max" />
        <Num label="Current" value={st.currentReplicas} testid="fa-current" />
        <Num label="Desired" value={st.desiredReplicas} testid="fa-desired" />
      </div>
      <div class="two-col">
        <div>
          <KV
            items={[
              ['Active schedules', st.activeSchedules?.length ? st.activeSchedules.join(', ') : 'none'],
              ['Interval', fa.spec.interval ?? '5s'],
              ['Last scale', st.lastScaleTime ? <Age time={st.lastScaleTime} /> : 'never'],
              ['Why', st.lastScaleReason || '–'],
            ]}
          />
          {(st.currentMetrics?.length ?? 0) > 0 && (
            <table class="grid compact">
              <caption>Metrics</caption>
              <thead>
                <tr>
                  <th scope="col">Metric</th>
                  <th scope="col">Target</th>
                  <th scope="col" class="num">
                    Value
                  </th>
                  <th scope="col" class="num">
                    Recommends
                  </th>
                  <th scope="col">Note</th>
                </tr>
              </thead>
              <tbody>
                {st.currentMetrics!.map((m) => {
                  const spec = fa.spec.metrics?.find((x) => x.name === m.name);
                  return (
                    <tr key={m.name}>
                      <th scope="row">{m.name}</th>
                      <td class="small">{targetText(spec)}</td>
                      <td class="num mono">{m.value || <span class="muted">unreadable</span>}</td>
                      <td class="num">{m.replicas ?? '–'}</td>
                      <td class="wrap small">{m.message || ''}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </div>
        <div class="chart-box" data-testid="autoscaler-chart">
          <h3>Replicas over time</h3>
          <LineChart
            title={`Replicas of ${fa.spec.targetRef.name} over time`}
            summary={
              replicas.length
                ? `${(fa.status?.scales ?? []).length} changes, now ${st.currentReplicas ?? '?'} replicas (bounds ${min} to ${max})`
                : 'no scaling recorded yet'
            }
            series={series}
            thresholds={thresholds}
            {...(domain ? { xDomain: domain } : {})}
            xTicks={(a, b) => timeTicks(a, b, 5)}
            xFormat={(t) => clock(t, span < 300_000)}
            yFormat={(v) => String(v)}
            yZero
          />
          {(st.scales?.length ?? 0) > 0 && (
            <details>
              <summary>Scale events ({st.scales!.length})</summary>
              <ul class="small">
                {[...st.scales!].reverse().map((s) => (
                  <li key={s.time}>
                    {dateTime(s.time)}: {s.from} → {s.to}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </div>
      </div>
      <h3>Conditions</h3>
      <Conditions conditions={st.conditions} />
      <p class="small">
        <a href={href({ page: 'app', namespace: ns, name: fa.spec.targetRef.name })}>Application {fa.spec.targetRef.name}</a>
      </p>
    </section>
  );
}

function Num(props: { label: string; value: number | undefined; testid: string }) {
  return (
    <div class="num-box">
      <span class="num-label">{props.label}</span>
      <span class="num-value" data-testid={props.testid}>
        {props.value ?? '–'}
      </span>
    </div>
  );
}

function targetText(m: ScalingMetric | undefined): string {
  if (!m) return '–';
  if (m.resource) return `${m.resource.name} ${m.resource.targetAverageUtilization}% of requests`;
  const t = m.prometheus?.target ?? m.external?.target;
  if (t?.averageValue) return `${t.averageValue} per replica`;
  if (t?.value) return `value ${t.value}`;
  return '–';
}
