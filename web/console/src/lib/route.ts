// Hash routes: #/clusters, #/apps, #/apps/NS/NAME, #/autoscalers[/NS/NAME], #/tuning[/NS/NAME],
// #/audit?user=..&since=1h.

export type Route =
  | { page: 'clusters' }
  | { page: 'apps' }
  | { page: 'app'; namespace: string; name: string }
  | { page: 'autoscalers'; namespace?: string; name?: string }
  | { page: 'tuning'; namespace?: string; name?: string }
  | { page: 'audit'; query: Record<string, string> }
  | { page: 'notfound'; path: string };

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** parseRoute reads a location hash ("#/apps/shop/web"). An empty hash is the fleet overview. */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const query: Record<string, string> = {};
  if (q >= 0) {
    for (const [k, v] of new URLSearchParams(raw.slice(q + 1))) query[k] = v;
  }
  const parts = path.split('/').filter((p) => p !== '').map(decode);
  const [head, ns, name] = parts;
  switch (head) {
    case undefined:
    case 'clusters':
      if (parts.length <= 1) return { page: 'clusters' };
      break;
    case 'apps':
      if (parts.length === 1) return { page: 'apps' };
      if (parts.length === 3) return { page: 'app', namespace: ns!, name: name! };
      break;
    case 'autoscalers':
    case 'tuning':
      if (parts.length === 1) return { page: head };
      if (parts.length === 3) return { page: head, namespace: ns!, name: name! };
      break;
    case 'audit':
      if (parts.length === 1) return { page: 'audit', query };
      break;
  }
  return { page: 'notfound', path };
}

const enc = encodeURIComponent;

/** href writes the hash of a route. Empty query values are left out. */
export function href(r: Route): string {
  switch (r.page) {
    case 'clusters':
      return '#/clusters';
    case 'apps':
      return '#/apps';
    case 'app':
      return `#/apps/${enc(r.namespace)}/${enc(r.name)}`;
    case 'autoscalers':
    case 'tuning':
      return r.namespace && r.name ? `#/${r.page}/${enc(r.namespace)}/${enc(r.name)}` : `#/${r.page}`;
    case 'audit': {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(r.query)) if (v !== '') params.set(k, v);
      const s = params.toString();
      return s ? `#/audit?${s}` : '#/audit';
    }
    case 'notfound':
      return `#${r.path}`;
  }
}

/** appHref is the detail page of an application. */
export const appHref = (namespace: string, name: string) => href({ page: 'app', namespace, name });

/** section is the navigation entry a route belongs to. */
export function section(r: Route): string {
  return r.page === 'app' ? 'apps' : r.page;
}
