import { api } from '../api';
import { Age, Badge, ErrorText, Loading, Meter } from '../components/ui';
import { clusterHealth } from '../lib/health';
import { formatCount, formatResource } from '../lib/quantity';
import { capacityRows, type CapacityRow } from '../lib/series';
import { kinds, useResource } from '../live';
import type { MemberCluster } from '../types';

/** Clusters is the fleet overview: one card per MemberCluster. */
export function Clusters() {
  const res = useResource(() => api.clusters(), [], kinds(['MemberCluster']));
  const items = [...(res.data?.items ?? [])].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const healths = items.map(clusterHealth);
  const ready = healths.filter((h) => h.tone === 'ok').length;
  return (
    <>
      <div class="page-head">
        <h1>Fleet</h1>
        {res.data && (
          <p class="summary" data-testid="cluster-count">
            {items.length} {items.length === 1 ? 'cluster' : 'clusters'}
            <span class="muted">
              {' '}
              · {ready} ready{items.length - ready > 0 ? `, ${items.length - ready} not ready` : ''}
            </span>
          </p>
        )}
      </div>
      <ErrorText error={res.error} />
      {!res.data && !res.error && <Loading what="clusters" />}
      {res.data && items.length === 0 && <p class="muted">No member clusters have joined the fleet. Join one with `flotilla join NAME --kubeconfig FILE`.</p>}
      <ul class="cards" aria-label="Member clusters">
        {items.map((mc, i) => (
          <ClusterCard key={mc.metadata.name} mc={mc} health={healths[i]!} />
        ))}
      </ul>
    </>
  );
}

function ClusterCard(props: { mc: MemberCluster; health: ReturnType<typeof clusterHealth> }) {
  const { mc, health } = props;
  const st = mc.status ?? {};
  const name = mc.metadata.name;
  const nodes = st.nodes;
  const titleId = `cluster-${name}`;
  return (
    <li class={`card cluster tone-border-${health.tone}`} data-testid="cluster-card" data-cluster={name} aria-labelledby={titleId}>
      <div class="card-head">
        <h2 id={titleId}>{name}</h2>
        <Badge tone={health.tone} testid="cluster-health">
          {health.label}
        </Badge>
      </div>
      {health.failing.length > 0 && (
        <ul class="failing">
          {health.failing.map((c) => (
            <li key={c.type}>
              <strong>
                {c.type} {c.status}
              </strong>
              {c.reason ? ` (${c.reason})` : ''}
              {c.message ? `: ${c.message}` : ''}
            </li>
          ))}
        </ul>
      )}
      <dl class="kv kv-2">
        <div>
          <dt>Kubernetes</dt>
          <dd>{st.kubernetesVersion || '–'}</dd>
        </div>
        <div>
          <dt>Nodes</dt>
          <dd>{nodes ? `${nodes.ready}/${nodes.total} ready` : '–'}</dd>
        </div>
        <div>
          <dt>Region / zone</dt>
          <dd>
            {mc.spec.region || '–'} / {mc.spec.zone || '–'}
          </dd>
        </div>
        <div>
          <dt>Last probe</dt>
          <dd>
            <Age time={st.lastProbeTime} />
            {st.lastProbeLatencyMilliseconds ? <span class="muted"> · {st.lastProbeLatencyMilliseconds} ms</span> : null}
          </dd>
        </div>
        {mc.spec.taints && mc.spec.taints.length > 0 && (
          <div class="span-2">
            <dt>Taints</dt>
            <dd>{mc.spec.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(', ')}</dd>
          </div>
        )}
      </dl>
      <table class="capacity">
        {health.reachable?.status === 'False' ? (
          <caption class="stale">Last known capacity (the cluster cannot be reached)</caption>
        ) : (
          <caption class="sr-only">Capacity of {name}: requested of allocatable</caption>
        )}
        <thead>
          <tr>
            <th scope="col">Resource</th>
            <th scope="col">Requested of allocatable</th>
            <th scope="col" class="num">
              Available
            </th>
          </tr>
        </thead>
        <tbody>
          {capacityRows(mc)
            .filter((r) => ['cpu', 'memory', 'pods'].includes(r.resource))
            .map((r) => (
              <CapacityLine key={r.resource} row={r} cluster={name} />
            ))}
        </tbody>
      </table>
    </li>
  );
}

const resourceName: Record<string, string> = { cpu: 'CPU', memory: 'Memory', pods: 'Pods' };

function CapacityLine(props: { row: CapacityRow; cluster: string }) {
  const { row } = props;
  const fmt = (v: number | undefined) => (v === undefined ? '–' : row.resource === 'pods' ? formatCount(v) : formatResource(row.resource, v));
  const pct = row.requested !== undefined && row.allocatable ? Math.round((row.requested / row.allocatable) * 100) : undefined;
  const label = `${resourceName[row.resource] ?? row.resource}: ${fmt(row.requested)} requested of ${fmt(row.allocatable)} allocatable${pct !== undefined ? ` (${pct}%)` : ''}, ${fmt(row.available)} available`;
  return (
    <tr data-resource={row.resource}>
      <th scope="row">{resourceName[row.resource] ?? row.resource}</th>
      <td>
        <div class="meter-line">
          <Meter used={row.requested} total={row.allocatable} label={label} />
          <span class="meter-text">
            {fmt(row.requested)} / {fmt(row.allocatable)}
            {pct !== undefined && <span class="muted"> ({pct}%)</span>}
          </span>
        </div>
      </td>
      <td class="num">{fmt(row.available)}</td>
    </tr>
  );
}
