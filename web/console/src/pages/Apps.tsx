import { api } from '../api';
import { Badge, ErrorText, Loading, StackedBar } from '../components/ui';
import { appHealth, phaseTone } from '../lib/health';
import { appHref } from '../lib/route';
import { kinds, useResource } from '../live';
import { namespaceFilter } from '../prefs';
import { useStore } from '../store';
import type { Application } from '../types';

/** distribution is an application's replicas per cluster as stacked-bar segments. */
export function distribution(app: Application) {
  return (app.status?.clusters ?? []).map((c) => ({
    key: c.name,
    value: c.replicas,
    ready: c.readyReplicas ?? 0,
    label: `${c.name}: ${c.readyReplicas ?? 0}/${c.replicas} ready${c.reachable === 'False' ? ' (unreachable)' : ''}`,
  }));
}

/** Apps lists the Applications with their replicas, revision, rollout and distribution. */
export function Apps() {
  const ns = useStore(namespaceFilter);
  const res = useResource(() => api.applications(ns || undefined), [ns], kinds(['Application'], ns || undefined));
  const items = [...(res.data?.items ?? [])].sort(
    (a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name),
  );
  return (
    <>
      <div class="page-head">
        <h1>Applications</h1>
        {res.data && (
          <p class="summary" data-testid="app-count">
            {items.length} {items.length === 1 ? 'application' : 'applications'}
            {ns ? ` in ${ns}` : ''}
          </p>
        )}
      </div>
      <ErrorText error={res.error} />
      {!res.data && !res.error && <Loading what="applications" />}
      {res.data && items.length === 0 && <p class="muted">No applications{ns ? ` in namespace ${ns}` : ''}.</p>}
      {items.length > 0 && (
        <table class="grid apps">
          <thead>
            <tr>
              <th scope="col">Namespace</th>
              <th scope="col">Name</th>
              <th scope="col">Health</th>
              <th scope="col" class="num">
                Ready / desired
              </th>
              <th scope="col">Revision</th>
              <th scope="col">Rollout</th>
              <th scope="col" class="dist-col">
                Distribution
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((app) => (
              <AppRow key={`${app.metadata.namespace}/${app.metadata.name}`} app={app} />
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function AppRow({ app }: { app: Application }) {
  const ns = app.metadata.namespace ?? '';
  const st = app.status ?? {};
  const h = appHealth(app);
  const rollout = st.rollout && st.rollout.revision === st.currentRevision ? st.rollout : undefined;
  const segs = distribution(app);
  return (
    <tr data-testid="app-row" data-app={`${ns}/${app.metadata.name}`}>
      <td>{ns}</td>
      <th scope="row">
        <a href={appHref(ns, app.metadata.name)}>{app.metadata.name}</a>
      </th>
      <td>
        <Badge tone={h.tone}>{h.label}</Badge>
      </td>
      <td class="num" data-testid="app-replicas">
        {st.readyReplicas ?? 0}/{st.replicas ?? 0}
      </td>
      <td class="mono">{st.currentRevision || '–'}</td>
      <td>
        {rollout ? (
          <span>
            <Badge tone={phaseTone(rollout.phase)} testid="app-rollout-phase">
              {rollout.phase}
            </Badge>
            {rollout.phase !== 'Succeeded' && (
              <span class="muted small">
                {' '}
                wave {rollout.wave + 1}/{rollout.waves}, batch {rollout.batch + 1}/{rollout.batches}
              </span>
            )}
          </span>
        ) : (
          <span class="muted">–</span>
        )}
      </td>
      <td class="dist-col">
        <div class="dist">
          <StackedBar segments={segs} label={segs.length ? segs.map((s) => s.label).join('; ') : 'not placed'} />
          <span class="dist-legend small">
            {segs.map((s, i) => (
              <span key={s.key} class={`dist-key c${i % 6}`}>
                {s.key} {s.ready}/{s.value}
              </span>
            ))}
            {segs.length === 0 && <span class="muted">not placed</span>}
          </span>
        </div>
      </td>
    </tr>
  );
}
