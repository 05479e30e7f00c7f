import { api } from '../api';
import { LineChart, type ChartSeries } from '../components/Chart';
import { ActionStatus, Age, Badge, ConfirmButton, Conditions, ErrorText, KV, Loading, useAction } from '../components/ui';
import { formatBytes, formatCPU } from '../lib/quantity';
import { appHref } from '../lib/route';
import { requestSeries } from '../lib/series';
import { dateTime } from '../lib/time';
import { changeText, percentChange, tunedValues, value } from '../lib/tuning';
import { kinds, useResource } from '../live';
import { namespaceFilter } from '../prefs';
import { useStore } from '../store';
import type { ResourcePolicy, TuningRecommendation } from '../types';

/** Tuning lists the ResourcePolicies (or one, from an application's link). */
export function Tuning(props: { namespace?: string; name?: string }) {
  const filterNs = useStore(namespaceFilter);
  const ns = props.namespace ?? (filterNs || undefined);
  const res = useResource(() => api.resourcePolicies(ns), [ns], kinds(['ResourcePolicy'], ns));
  let items = [...(res.data?.items ?? [])].sort(
    (a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name),
  );
  const one = props.name !== undefined;
  if (one) items = items.filter((rp) => rp.metadata.name === props.name && (rp.metadata.namespace ?? '') === props.namespace);
  return (
    <>
      {one && (
        <nav class="crumbs" aria-label="Breadcrumb">
          <a href="#/tuning">Tuning</a> <span aria-hidden="true">›</span> {props.namespace} <span aria-hidden="true">›</span>{' '}
          <span aria-current="page">{props.name}</span>
        </nav>
      )}
      <div class="page-head">
        <h1>Resource tuning</h1>
        {res.data && !one && (
          <p class="summary" data-testid="policy-count">
            {items.length} {items.length === 1 ? 'policy' : 'policies'}
          </p>
        )}
      </div>
      <ErrorText error={res.error} />
      {!res.data && !res.error && <Loading what="resource policies" />}
      {res.data && items.length === 0 && (
        <p class="muted">{one ? `ResourcePolicy ${props.namespace}/${props.name} does not exist.` : 'No ResourcePolicies.'}</p>
      )}
      {items.map((rp) => (
        <PolicyPanel key={`${rp.metadata.namespace}/${rp.metadata.name}`} rp={rp} reload={res.reload} />
      ))}
    </>
  );
}

function PolicyPanel({ rp, reload }: { rp: ResourcePolicy; reload: () => void }) {
  const ns = rp.metadata.namespace ?? '';
  const st = rp.status ?? {};
  const mode = rp.spec.mode ?? 'Recommend';
  const auto = mode === 'Auto';
  const id = `rp-${ns}-${rp.metadata.name}`;
  const action = useAction(reload);
  const revert = (n: number, what: string) =>
    action.run(() => api.revert(ns, rp.metadata.name, n), `Revert to ${what} requested: the controller makes a new revision.`);
  const pending = rp.metadata.annotations?.['tuning.flotilla.dev/revert-to'];
  return (
    <section class="panel" aria-labelledby={id} data-testid="policy" data-policy={`${ns}/${rp.metadata.name}`}>
      <div class="panel-head">
        <h2 id={id}>
          <span class="muted">{ns}/</span>
          {rp.metadata.name}
        </h2>
        {auto ? (
          <Badge tone="info" testid="policy-mode">
            Auto
          </Badge>
        ) : (
          <span class="mode-recommend">
            <Badge tone="unknown" testid="policy-mode">
              Recommend
            </Badge>{' '}
            <strong>shows what Auto would do</strong>: no pod is resized
          </span>
        )}
      </div>
      <KV
        items={[
          [
            'Selects',
            rp.spec.targetRef
              ? `Application ${rp.spec.targetRef.name}`
              : `by labels ${Object.entries(rp.spec.selector?.matchLabels ?? {})
                  .map(([k, v]) => `${k}=${v}`)
                  .join(',') || '(expressions)'}`,
          ],
          [
            'Applications',
            st.applications?.length ? (
              <span>
                {st.applications.map((a, i) => (
                  <span key={a}>
                    {i > 0 && ', '}
                    <a href={appHref(ns, a)}>{a}</a>
                  </span>
                ))}
              </span>
            ) : (
              'none'
            ),
          ],
          ['Current revision', <span data-testid="policy-revision">{st.currentRevision ?? 0}</span>],
          [
            'Pods updated',
            <span data-testid="policy-pods">
              {st.pods?.updated ?? 0}/{st.pods?.total ?? 0}
              {st.pods?.pending ? ` (${st.pods.pending} pending)` : ''}
            </span>,
          ],
          ['Window', rp.spec.window ?? '24h'],
          ['Hold', st.holdUntil && Date.parse(st.holdUntil) > Date.now() ? `no change until ${dateTime(st.holdUntil)}` : 'none'],
          ...(pending ? ([['Pending revert', `to ${pending}`]] as [string, string][]) : []),
        ]}
      />
      {(st.failures?.length ?? 0) > 0 && (
        <div class="hint" role="note">
          <strong>Resizes refused by members:</strong>
          <ul>
            {st.failures!.map((f) => (
              <li key={`${f.cluster}/${f.pod}`}>
                {f.cluster}/{f.pod}: {f.message} ({f.attempts ?? 1} attempts, next <Age time={f.retryAt} suffix="" />)
              </li>
            ))}
          </ul>
        </div>
      )}

      <h3>Recommendations {auto ? '' : <span class="muted small">(what Auto would do)</span>}</h3>
      <Recommendations recs={st.recommendations ?? []} auto={auto} />

      <h3>History</h3>
      <History rp={rp} revert={revert} />
      <ActionStatus result={action.result} testid="revert-status" />

      <RequestCharts rp={rp} />

      <h3>Conditions</h3>
      <Conditions conditions={st.conditions} />
    </section>
  );
}

function Recommendations({ recs, auto }: { recs: TuningRecommendation[]; auto: boolean }) {
  if (recs.length === 0) return <p class="muted">No recommendation yet (too few usage samples).</p>;
  return (
    <div class="table-wrap">
      <table class="grid compact recs">
        <thead>
          <tr>
            <th scope="col">Container</th>
            {tunedValues.map((v) => (
              <th key={v.short} scope="col">
                {v.short}
                <span class="sr-only"> current → recommended</span>
              </th>
            ))}
            <th scope="col">Change</th>
            <th scope="col">Usage (p50 / p90 / max)</th>
            <th scope="col">Reasons</th>
          </tr>
        </thead>
        <tbody>
          {recs.map((r) => (
            <tr key={`${r.application}/${r.container}`} data-testid="recommendation-row" data-container={`${r.application}/${r.container}`}>
              <th scope="row">
                {r.application}/{r.container}
              </th>
              {tunedValues.map((v) => {
                const before = value(r.current, v.resource, v.field);
                const after = value(r.recommended, v.resource, v.field);
                const pct = percentChange(r.current?.[v.field]?.[v.resource], r.recommended?.[v.field]?.[v.resource]);
                return (
                  <td key={v.short} class="nowrap mono">
                    {before === after ? (
                      before
                    ) : (
                      <>
                        {before} → <strong>{after}</strong> {pct && <span class="muted">({pct})</span>}
                      </>
                    )}
                  </td>
                );
              })}
              <td>{r.changed ? <Badge tone={auto ? 'info' : 'warn'}>{auto ? 'will change' : 'would change'}</Badge> : <span class="muted">no change</span>}</td>
              <td class="small nowrap">
                <div>
                  cpu {r.usage?.cpu?.p50 ?? '–'} / {r.usage?.cpu?.p90 ?? '–'} / {r.usage?.cpu?.max ?? '–'}
                </div>
                <div>
                  mem {r.usage?.memory?.p50 ?? '–'} / {r.usage?.memory?.p90 ?? '–'} / {r.usage?.memory?.max ?? '–'}
                </div>
                <div class="muted">
                  {r.usage?.samples ?? 0} samples{r.usage?.since ? <> since <Age time={r.usage.since} /></> : null}
                </div>
              </td>
              <td class="wrap small">
                {(r.reasons ?? []).length ? (
                  <ul class="reasons">
                    {r.reasons!.map((x, i) => (
                      <li key={i}>{x}</li>
                    ))}
                  </ul>
                ) : (
                  '–'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function History({ rp, revert }: { rp: ResourcePolicy; revert: (n: number, what: string) => Promise<void> }) {
  const st = rp.status ?? {};
  const history = [...(st.history ?? [])].sort((a, b) => a.revision - b.revision);
  const name = `${rp.metadata.namespace}/${rp.metadata.name}`;
  if (history.length === 0) return <p class="muted">No revision applied yet.</p>;
  return (
    <>
      <table class="grid compact">
        <thead>
          <tr>
            <th scope="col" class="num">
              Revision
            </th>
            <th scope="col">Time</th>
            <th scope="col">Reason</th>
            <th scope="col">Actor</th>
            <th scope="col">Changes (before → after)</th>
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {history.map((h) => {
            const cur = h.revision === st.currentRevision;
            return (
              <tr key={h.revision} data-testid="tuning-revision-row" data-revision={h.revision} class={cur ? 'current' : undefined}>
                <th scope="row" class="num">
                  {h.revision} {cur && <Badge tone="info">current</Badge>}
                </th>
                <td class="nowrap">
                  <Age time={h.time} />
                </td>
                <td>
                  {h.reason}
                  {h.revertedAt && (
                    <span class="muted">
                      {' '}
                      (reverted <Age time={h.revertedAt} />)
                    </span>
                  )}
                </td>
                <td>{h.actor}</td>
                <td class="wrap small">
                  {(h.containers ?? []).length === 0 ? (
                    <span class="muted">no change</span>
                  ) : (
                    <ul class="changes">
                      {h.containers!.map((c) => (
                        <li key={`${c.application}/${c.container}`}>
                          <span class="mono">
                            {c.application}/{c.container}
                          </span>
                          : {changeText(c)}
                        </li>
                      ))}
                    </ul>
                  )}
                  {h.message && <div class="muted">{h.message}</div>}
                </td>
                <td>
                  {!cur && (
                    <ConfirmButton
                      label="Revert to this revision"
                      question={`Restore the resources of revision ${h.revision} of ${name}?`}
                      run={() => revert(h.revision, `revision ${h.revision}`)}
                    />
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p class="small">
        <ConfirmButton
          label="Revert to the applications' own resources"
          question={`Restore the resources in the applications' specs (revision 0) for ${name}?`}
          run={() => revert(0, "the applications' own resources")}
          testid="revert-to-spec"
        />
      </p>
    </>
  );
}

function RequestCharts({ rp }: { rp: ResourcePolicy }) {
  const series = requestSeries(rp);
  if (series.length === 0) return null;
  const revs = series.flatMap((s) => s.cpu.map((p) => p.revision));
  const domain: [number, number] = [Math.min(...revs), Math.max(...revs)];
  const xTicks = (a: number, b: number) => {
    const out: number[] = [];
    const step = Math.max(1, Math.ceil((b - a) / 8));
    for (let r = Math.ceil(a); r <= b; r += step) out.push(r);
    return out;
  };
  // Memory is charted in MiB so that its ticks fall on round sizes.
  const unit = { cpu: 1, memory: 2 ** 20 };
  const mk = (pick: 'cpu' | 'memory'): ChartSeries[] =>
    series.map((s, i) => ({
      label: `${s.application}/${s.container}`,
      points: s[pick].map((p) => ({ x: p.revision, y: p.v === undefined ? undefined : p.v / unit[pick] })),
      dots: true,
      color: i,
    }));
  const mib = (v: number) => (v === 0 ? '0' : v >= 1024 ? `${Number((v / 1024).toFixed(2))}Gi` : `${Number(v.toFixed(1))}Mi`);
  const last = (pick: 'cpu' | 'memory', f: (v: number) => string) =>
    series.map((s) => `${s.application}/${s.container} ${s[pick].length ? f(s[pick][s[pick].length - 1]!.v ?? NaN) : '–'}`).join(', ');
  return (
    <div class="chart-grid" data-testid="tuning-charts">
      <div class="chart-box">
        <h3>CPU request by revision</h3>
        <LineChart
          title="CPU request of each container by revision"
          summary={`now ${last('cpu', formatCPU)}`}
          series={mk('cpu')}
          xDomain={domain}
          xTicks={xTicks}
          xFormat={(r) => `r${r}`}
          yFormat={formatCPU}
          yZero
          height={130}
        />
      </div>
      <div class="chart-box">
        <h3>Memory request by revision</h3>
        <LineChart
          title="Memory request of each container by revision"
          summary={`now ${last('memory', formatBytes)}`}
          series={mk('memory')}
          xDomain={domain}
          xTicks={xTicks}
          xFormat={(r) => `r${r}`}
          yFormat={mib}
          yZero
          height={130}
        />
      </div>
    </div>
  );
}
