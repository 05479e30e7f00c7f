import { useEffect, useRef, useState } from 'preact/hooks';
import { api, message, ApiError } from '../api';
import { ActionStatus, Age, Badge, ConfirmButton, Conditions, ErrorText, KV, Loading, StackedBar, useAction } from '../components/ui';
import { appHealth, specReplicas } from '../lib/health';
import { href } from '../lib/route';
import { kinds, useResource } from '../live';
import type { Application, ApplicationDetail, ApplicationRevision, KubeEvent } from '../types';
import { distribution } from './Apps';
import { RolloutView } from './Rollout';

/** AppDetail is one application: distribution, scale, revisions, rollout, related objects, events. */
export function AppDetail(props: { namespace: string; name: string }) {
  const { namespace, name } = props;
  const res = useResource(
    () => api.application(namespace, name),
    [namespace, name],
    kinds(['Application', 'ApplicationRevision', 'FleetAutoscaler', 'ResourcePolicy', 'Event'], namespace),
  );
  const d = res.data;
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="#/apps">Applications</a> <span aria-hidden="true">›</span> {namespace} <span aria-hidden="true">›</span>{' '}
        <span aria-current="page">{name}</span>
      </nav>
      {!d && !res.error && <Loading what={`application ${namespace}/${name}`} />}
      {!d && res.error instanceof ApiError && res.error.status === 404 ? (
        <p class="error" role="alert">
          Application {namespace}/{name} does not exist (or no longer does). <a href="#/apps">All applications</a>
        </p>
      ) : (
        <ErrorText error={res.error} />
      )}
      {d && <Detail d={d} reload={res.reload} />}
    </>
  );
}

function Detail({ d, reload }: { d: ApplicationDetail; reload: () => void }) {
  const app = d.application;
  const ns = app.metadata.namespace ?? '';
  const st = app.status ?? {};
  const h = appHealth(app);
  const placement = app.spec.placement?.replicaScheduling;
  return (
    <>
      <div class="page-head">
        <h1>
          <span class="muted">{ns}/</span>
          {app.metadata.name}
        </h1>
        <Badge tone={h.tone} testid="app-health">
          {h.label}
        </Badge>
        <p class="summary">
          <span data-testid="app-replicas">
            {st.readyReplicas ?? 0}/{st.replicas ?? 0}
          </span>{' '}
          ready · {st.updatedReplicas ?? 0} updated · {st.availableReplicas ?? 0} available
        </p>
      </div>
      <KV
        items={[
          ['Current revision', <span class="mono">{st.currentRevision || '–'}</span>],
          ['Stable revision', <span class="mono">{st.stableRevision || '–'}</span>],
          ['Workload', st.workload ? `${st.workload.kind} ${st.workload.name}` : '–'],
          ['Placement', `${placement?.type ?? 'Duplicated'}${placement?.type === 'Divided' ? ` (${placement.division ?? 'StaticWeights'})` : ''}`],
          ['Spec replicas', app.spec.replicas !== undefined ? String(app.spec.replicas) : `${specReplicas(app)} (from the workload)`],
          ['Created', <Age time={app.metadata.creationTimestamp} />],
        ]}
      />
      {st.observedGeneration !== undefined && app.metadata.generation !== undefined && st.observedGeneration < app.metadata.generation && (
        <p class="hint">The status reports generation {st.observedGeneration}; the spec is at {app.metadata.generation}: the controller has not caught up yet.</p>
      )}

      <div class="two-col side">
        <section class="panel" aria-labelledby="dist-title">
          <h2 id="dist-title">Clusters</h2>
          <Distribution app={app} />
        </section>
        <section class="panel" aria-labelledby="scale-title">
          <h2 id="scale-title">Scale</h2>
          <ScaleForm app={app} autoscalers={d.autoscalers?.map((a) => a.metadata.name) ?? []} reload={reload} />
        </section>
      </div>

      {st.rollout && <RolloutView app={app} reload={reload} />}

      <section class="panel" aria-labelledby="rev-title">
        <h2 id="rev-title">Revisions</h2>
        <Revisions app={app} revisions={d.revisions ?? []} reload={reload} />
      </section>

      <section class="panel" aria-labelledby="cond-title">
        <h2 id="cond-title">Conditions</h2>
        <Conditions conditions={st.conditions} />
      </section>

      <div class="two-col">
        <section class="panel" aria-labelledby="fa-title">
          <h2 id="fa-title">Autoscalers</h2>
          {(d.autoscalers ?? []).length === 0 ? (
            <p class="muted">No FleetAutoscaler targets this application.</p>
          ) : (
            <ul class="links">
              {d.autoscalers!.map((fa) => (
                <li key={fa.metadata.name}>
                  <a href={href({ page: 'autoscalers', namespace: fa.metadata.namespace ?? ns, name: fa.metadata.name })} data-testid="app-autoscaler-link">
                    {fa.metadata.name}
                  </a>{' '}
                  <span class="muted">
                    {fa.status?.currentReplicas ?? '?'} → {fa.status?.desiredReplicas ?? '?'} replicas, bounds {fa.status?.minReplicas ?? fa.spec.minReplicas ?? 1}–
                    {fa.status?.maxReplicas ?? fa.spec.maxReplicas}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section class="panel" aria-labelledby="rp-title">
          <h2 id="rp-title">Resource policies</h2>
          {(d.resourcePolicies ?? []).length === 0 ? (
            <p class="muted">No ResourcePolicy selects this application.</p>
          ) : (
            <ul class="links">
              {d.resourcePolicies!.map((rp) => (
                <li key={rp.metadata.name}>
                  <a href={href({ page: 'tuning', namespace: rp.metadata.namespace ?? ns, name: rp.metadata.name })} data-testid="app-policy-link">
                    {rp.metadata.name}
                  </a>{' '}
                  <span class="muted">
                    mode {rp.spec.mode ?? 'Recommend'}, revision {rp.status?.currentRevision ?? 0}, pods {rp.status?.pods?.updated ?? 0}/{rp.status?.pods?.total ?? 0} updated
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>

      <section class="panel" aria-labelledby="ev-title">
        <h2 id="ev-title">Events</h2>
        <Events events={d.events ?? []} />
      </section>
    </>
  );
}

function Distribution({ app }: { app: Application }) {
  const clusters = app.status?.clusters ?? [];
  const segs = distribution(app);
  const evictions = app.status?.evictions ?? [];
  if (clusters.length === 0) return <p class="muted">Not placed on any cluster yet.</p>;
  return (
    <>
      <StackedBar segments={segs} label={segs.map((s) => s.label).join('; ')} />
      <table class="grid compact">
        <thead>
          <tr>
            <th scope="col">Cluster</th>
            <th scope="col" class="num">
              Desired
            </th>
            <th scope="col" class="num">
              Ready
            </th>
            <th scope="col" class="num">
              Updated
            </th>
            <th scope="col" class="num">
              Available
            </th>
            <th scope="col">Revision</th>
            <th scope="col">Reachable</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {clusters.map((c, i) => (
            <tr key={c.name} data-testid="app-cluster" data-cluster={c.name}>
              <th scope="row" class="nowrap">
                <span class={`swatch c${i % 6}`} aria-hidden="true" />
                {c.name}
              </th>
              <td class="num">{c.replicas}</td>
              <td class="num">{c.readyReplicas ?? 0}</td>
              <td class="num">{c.updatedReplicas ?? 0}</td>
              <td class="num">{c.availableReplicas ?? 0}</td>
              <td class="mono">{c.appliedRevision || '–'}</td>
              <td>{c.reachable === 'False' ? <Badge tone="bad">unreachable</Badge> : c.reachable === 'True' ? 'yes' : c.reachable || '–'}</td>
              <td class="wrap small">
                {c.reason || ''}
                {c.message ? `: ${c.message}` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {evictions.length > 0 && (
        <p class="hint">
          Failover: {evictions.map((e) => `${e.replicas} replicas moved away from ${e.cluster}`).join('; ')} (kept until the replacements are ready).
        </p>
      )}
    </>
  );
}

function ScaleForm(props: { app: Application; autoscalers: string[]; reload: () => void }) {
  const { app } = props;
  const ns = app.metadata.namespace ?? '';
  const current = specReplicas(app);
  const [value, setValue] = useState(String(current));
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>();
  const [busy, setBusy] = useState(false);
  const dirty = useRef(false);
  // Follow the live value until the user types.
  useEffect(() => {
    if (!dirty.current) setValue(String(current));
  }, [current]);

  const submit = async (e: Event) => {
    e.preventDefault();
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < 0) {
      setResult({ ok: false, text: 'Replicas must be a whole number, 0 or more.' });
      return;
    }
    setBusy(true);
    setResult(undefined);
    try {
      await api.scale(ns, app.metadata.name, n);
      dirty.current = false;
      setResult({ ok: true, text: `Scaled ${ns}/${app.metadata.name} to ${n} replicas (was ${current}).` });
      props.reload();
    } catch (err) {
      setResult({ ok: false, text: message(err) });
    } finally {
      setBusy(false);
    }
  };
  const duplicated = (app.spec.placement?.replicaScheduling?.type ?? 'Duplicated') === 'Duplicated';
  return (
    <form class="scale-form" onSubmit={submit} data-testid="scale-form">
      <div class="field-row">
        <label for="scale-replicas">Replicas</label>
        <input
          id="scale-replicas"
          type="number"
          min={0}
          step={1}
          inputMode="numeric"
          value={value}
          aria-describedby="scale-help"
          onInput={(e) => {
            dirty.current = true;
            setValue((e.target as HTMLInputElement).value);
          }}
        />
        <button type="submit" class="btn primary" disabled={busy}>
          {busy ? 'Scaling…' : 'Scale'}
        </button>
      </div>
      <p id="scale-help" class="muted small">
        {duplicated ? 'Per cluster (Duplicated placement).' : 'Fleet-wide total, divided between clusters.'} Sets spec.replicas; no revision is created.
      </p>
      {props.autoscalers.length > 0 && (
        <p class="hint small">
          FleetAutoscaler {props.autoscalers.join(', ')} targets this application and will set its own count at its next evaluation; change its bounds or schedules
          instead.
        </p>
      )}
      <ActionStatus result={result} testid="scale-status" />
    </form>
  );
}

function Revisions(props: { app: Application; revisions: ApplicationRevision[]; reload: () => void }) {
  const { app } = props;
  const ns = app.metadata.namespace ?? '';
  const action = useAction(props.reload);
  const revs = [...props.revisions].sort((a, b) => a.spec.revision - b.spec.revision);
  const cur = app.status?.currentRevision;
  const stable = app.status?.stableRevision;
  if (revs.length === 0) return <p class="muted">No revisions kept.</p>;
  return (
    <>
      <table class="grid compact">
        <thead>
          <tr>
            <th scope="col" class="num">
              Revision
            </th>
            <th scope="col">Name</th>
            <th scope="col">Change cause</th>
            <th scope="col">Created</th>
            <th scope="col">Marks</th>
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {revs.map((r) => {
            const isCur = r.metadata.name === cur;
            const isStable = r.metadata.name === stable;
            return (
              <tr key={r.metadata.name} data-testid="revision-row" data-revision={r.spec.revision} class={isCur ? 'current' : undefined}>
                <th scope="row" class="num">
                  {r.spec.revision}
                </th>
                <td class="mono">{r.metadata.name}</td>
                <td class="wrap">{r.spec.changeCause || <span class="muted">–</span>}</td>
                <td class="nowrap">
                  <Age time={r.metadata.creationTimestamp} />
                </td>
                <td>
                  {isCur && <Badge tone="info">current</Badge>} {isStable && <Badge tone="ok">stable</Badge>}
                </td>
                <td>
                  {!isCur && (
                    <ConfirmButton
                      label="Undo to this revision"
                      question={`Roll ${ns}/${app.metadata.name} back to revision ${r.spec.revision}?`}
                      run={() => action.run(() => api.undo(ns, app.metadata.name, r.spec.revision), `Undo to revision ${r.spec.revision} requested.`)}
                    />
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <ActionStatus result={action.result} testid="undo-status" />
    </>
  );
}

function eventTime(e: KubeEvent): string | undefined {
  return e.series?.lastObservedTime || e.deprecatedLastTimestamp || e.lastTimestamp || e.eventTime || e.metadata.creationTimestamp || undefined;
}

function Events({ events }: { events: KubeEvent[] }) {
  if (events.length === 0) return <p class="muted">No recent events.</p>;
  return (
    <table class="grid compact">
      <thead>
        <tr>
          <th scope="col">Type</th>
          <th scope="col">Reason</th>
          <th scope="col">Object</th>
          <th scope="col">Message</th>
          <th scope="col" class="num">
            Count
          </th>
          <th scope="col">Last seen</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.metadata.uid ?? e.metadata.name} data-testid="event-row">
            <td>{e.type === 'Warning' ? <Badge tone="warn">Warning</Badge> : e.type || 'Normal'}</td>
            <th scope="row">{e.reason || '–'}</th>
            <td class="small">{e.regarding ? `${e.regarding.kind ?? ''} ${e.regarding.name ?? ''}` : ''}</td>
            <td class="wrap">{e.note ?? e.message ?? ''}</td>
            <td class="num">{e.series?.count ?? e.deprecatedCount ?? e.count ?? 1}</td>
            <td class="nowrap">
              <Age time={eventTime(e)} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
