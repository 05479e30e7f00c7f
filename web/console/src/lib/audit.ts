// The audit page's query (the form, the hash and the API's query string) and how a record's
// before/after is summed up.

/** The form fields, in the order of the form; `since` defaults to "1h". */
export const auditFields = ['user', 'app', 'cluster', 'verb', 'since'] as const;
export type AuditField = (typeof auditFields)[number];
export type AuditQuery = Record<AuditField, string>;

export const defaultSince = '1h';

/** auditQuery reads the form's values from the hash's query, with the default since. */
export function auditQuery(q: Record<string, string>): AuditQuery {
  return {
    user: q.user ?? '',
    app: q.app ?? '',
    cluster: q.cluster ?? '',
    verb: q.verb ?? '',
    since: q.since ?? defaultSince,
  };
}

/** The query parameters the hash may carry beyond the form's (docs/console-api.md, internal/audit). */
const extraParams = ['kind', 'namespace', 'source', 'until', 'limit'];

/** The API's default and the hash's explicit limit on the number of records. */
export const defaultLimit = 100;

/**
 * auditSearch is the API's query string (without "?"): the non-empty fields, trimmed, plus extras
 * the hash carries that the form does not show. The API's app matches an object's name, so an
 * Application typed as "namespace/name" becomes namespace= and app=.
 */
export function auditSearch(q: Record<string, string>): string {
  const params = new URLSearchParams();
  const all = { ...q, ...auditQuery(q) } as Record<string, string>;
  for (const k of [...auditFields, ...extraParams]) {
    const v = (all[k] ?? '').trim();
    if (v === '') continue;
    const slash = v.indexOf('/');
    if (k === 'app' && slash > 0 && slash < v.length - 1) {
      if (!params.has('namespace') && !(all.namespace ?? '').trim()) params.set('namespace', v.slice(0, slash));
      params.set('app', v.slice(slash + 1));
    } else {
      params.set(k, v);
    }
  }
  return params.toString();
}

/** limitOf is the limit a search asks for (the API's default when it names none). */
export function limitOf(q: Record<string, string>): number {
  const n = Number(q.limit);
  return Number.isInteger(n) && n > 0 ? n : defaultLimit;
}

export interface Change {
  path: string;
  before: string;
  after: string;
}

function flatten(v: unknown, prefix: string, out: Map<string, string>, depth: number): void {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && depth < 6) {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0 && prefix) out.set(prefix, '{}');
    for (const [k, x] of entries) flatten(x, prefix ? `${prefix}.${k}` : k, out, depth + 1);
    return;
  }
  if (v === undefined) return;
  out.set(prefix || '(value)', typeof v === 'string' ? v : JSON.stringify(v));
}

/**
 * changes lists what differs between a record's before and after, at most `max` of them. The
 * backend's records carry short texts ("replicas 6" → "replicas 9"): one change with the path
 * "(value)". Objects are compared by dotted paths ("spec.replicas: 6 → 8").
 */
export function changes(before: unknown, after: unknown, max = 8): { list: Change[]; more: number } {
  if (before === undefined && after === undefined) return { list: [], more: 0 };
  const b = new Map<string, string>();
  const a = new Map<string, string>();
  flatten(before, '', b, 0);
  flatten(after, '', a, 0);
  const paths = [...new Set([...b.keys(), ...a.keys()])].sort();
  const list: Change[] = [];
  for (const p of paths) {
    const x = b.get(p) ?? '∅';
    const y = a.get(p) ?? '∅';
    if (x !== y) list.push({ path: p, before: x, after: y });
  }
  return { list: list.slice(0, max), more: Math.max(0, list.length - max) };
}

/** objectText writes an audit record's object: "Application shop/web". */
export function objectText(o: { kind: string; namespace?: string; name: string }): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}
