import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { Age, Badge, ErrorText, Loading } from '../components/ui';
import { auditFields, auditQuery, auditSearch, changes, limitOf, objectText, type AuditField, type AuditQuery } from '../lib/audit';
import { outcomeTone } from '../lib/health';
import { appHref, href } from '../lib/route';
import { dateTime } from '../lib/time';
import { kinds, useResource } from '../live';
import type { AuditRecord } from '../types';

const fieldInfo: Record<AuditField, { label: string; placeholder: string; help?: string }> = {
  user: { label: 'User', placeholder: 'alice@example.com', help: 'the exact user name' },
  app: { label: 'Application', placeholder: 'web or shop/web', help: 'a name, or namespace/name' },
  cluster: { label: 'Cluster', placeholder: 'eu-west-1' },
  verb: { label: 'Verb', placeholder: 'scale' },
  since: { label: 'Since', placeholder: '1h', help: 'how far back (15m, 24h) or an RFC 3339 time' },
};

const verbs = ['scale', 'undo', 'promote', 'promote-full', 'pause', 'resume', 'abort', 'revert', 'create', 'update', 'patch', 'delete', 'login'];

/** Audit searches the audit trail; the search is in the hash (#/audit?user=..) so it can be linked. */
export function Audit(props: { query: Record<string, string> }) {
  const search = auditSearch(props.query);
  const [form, setForm] = useState<AuditQuery>(auditQuery(props.query));
  useEffect(() => setForm(auditQuery(props.query)), [search]);
  const res = useResource(() => api.audit(search), [search], kinds(['AuditRecord']));

  const submit = (e: Event) => {
    e.preventDefault();
    const q: Record<string, string> = { ...props.query };
    for (const f of auditFields) q[f] = form[f].trim();
    const next = href({ page: 'audit', query: q });
    if (next === location.hash) res.reload();
    else location.hash = next;
  };

  const items = res.data?.items ?? [];
  return (
    <>
      <div class="page-head">
        <h1>Audit</h1>
      </div>
      <form class="audit-form" onSubmit={submit} role="search" aria-label="Search the audit trail">
        {auditFields.map((f) => (
          <div class="field" key={f}>
            <label for={`audit-${f}`}>{fieldInfo[f].label}</label>
            <input
              id={`audit-${f}`}
              name={f}
              type="text"
              value={form[f]}
              placeholder={fieldInfo[f].placeholder}
              list={f === 'verb' ? 'audit-verbs' : undefined}
              autoComplete="off"
              spellcheck={false}
              title={fieldInfo[f].help}
              onInput={(e) => setForm({ ...form, [f]: (e.target as HTMLInputElement).value })}
            />
          </div>
        ))}
        <datalist id="audit-verbs">
          {verbs.map((v) => (
            <option key={v} value={v} />
          ))}
        </datalist>
        <div class="field field-button">
          <button type="submit" class="btn primary">
            Search
          </button>
        </div>
      </form>
      <ErrorText error={res.error} />
      {!res.data && !res.error && <Loading what="audit records" />}
      {res.data && (
        <p class="summary" aria-live="polite" data-testid="audit-count">
          {items.length} {items.length === 1 ? 'record' : 'records'}, newest first
          {items.length >= limitOf(props.query) && (
            <span class="muted"> (the most one search returns: narrow the search, or add &amp;limit= to the address)</span>
          )}
        </p>
      )}
      {items.length > 0 && (
        <table class="grid compact audit">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Actor</th>
              <th scope="col">Verb</th>
              <th scope="col">Object</th>
              <th scope="col">Clusters</th>
              <th scope="col">Outcome</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <AuditRow key={r.id} r={r} />
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function AuditRow({ r }: { r: AuditRecord }) {
  const ch = changes(r.before, r.after);
  const controller = r.actor.kind === 'controller';
  const o = r.object;
  // Flotilla's records name the kind ("Application"), the API server's the resource ("applications/scale").
  const isApp = o.kind === 'Application' || o.kind.split('/')[0] === 'applications';
  const link = isApp && o.namespace ? appHref(o.namespace, o.name) : undefined;
  return (
    <tr data-testid="audit-row" data-id={r.id} data-outcome={r.outcome} data-actor-kind={r.actor.kind}>
      <td class="nowrap" title={dateTime(r.time)}>
        <div>{dateTime(r.time)}</div>
        <div class="muted small">
          <Age time={r.time} />
        </div>
      </td>
      <td>
        <span class={`actor-kind ${controller ? 'controller' : 'user'}`}>{controller ? 'controller' : 'user'}</span>{' '}
        <strong data-testid="audit-user">{r.actor.user}</strong>
        {r.actor.via && <div class="muted small">via {r.actor.via}</div>}
        {r.source === 'apiserver' && <div class="muted small">from the API server's log</div>}
      </td>
      <th scope="row" class="mono nowrap">
        {r.verb}
      </th>
      <td>{link ? <a href={link}>{objectText(o)}</a> : objectText(o)}</td>
      <td class="small">{r.clusters?.length ? r.clusters.join(', ') : <span class="muted">–</span>}</td>
      <td>
        <Badge tone={outcomeTone(r.outcome)}>{r.outcome}</Badge>
      </td>
      <td class="wrap small">
        {r.reason && <div>{r.reason}</div>}
        {ch.list.length > 0 && (
          <ul class="changes">
            {ch.list.map((c) => (
              <li key={c.path}>
                {c.path !== '(value)' && <span class="mono">{c.path}: </span>}
                {c.before || <span class="muted">–</span>} → {c.after || <span class="muted">–</span>}
              </li>
            ))}
            {ch.more > 0 && <li class="muted">and {ch.more} more</li>}
          </ul>
        )}
        {r.message && <div class={r.outcome === 'success' ? 'muted' : 'error-text'}>{r.message}</div>}
      </td>
    </tr>
  );
}
