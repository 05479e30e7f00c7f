// The console HTTP API (docs/console-api.md). Every request uses the session cookie; every
// request that changes something sends Content-Type: application/json and X-Flotilla-Console: 1.

import type {
  Application,
  ApplicationDetail,
  AuditRecord,
  FleetAutoscaler,
  List,
  MemberCluster,
  ResourcePolicy,
  WhoAmI,
} from './types';

export const apiBase = '/api/v1';

/** ApiError is an answer other than 2xx: its status, the API's error text and the field at fault. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let unauthorized: () => void = () => {};

/** onUnauthorized registers what to do when any call answers 401 (show the login page). */
export function onUnauthorized(fn: () => void): void {
  unauthorized = fn;
}

/** signalUnauthorized tells the app the session is over (the live stream found out). */
export function signalUnauthorized(): void {
  unauthorized();
}

async function errorOf(res: Response): Promise<ApiError> {
  let message = '';
  let field: string | undefined;
  try {
    const text = await res.text();
    try {
      const body = JSON.parse(text) as { error?: unknown; field?: unknown };
      if (typeof body.error === 'string') message = body.error;
      if (typeof body.field === 'string' && body.field !== '') field = body.field;
    } catch {
      message = text.trim().slice(0, 500);
    }
  } catch {
    // no body
  }
  if (!message) message = `${res.status} ${res.statusText || 'error'}`;
  return new ApiError(res.status, message, field);
}

async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown, opts: { noAuthRedirect?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const init: RequestInit = { method, credentials: 'same-origin', headers, cache: 'no-store' };
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    headers['X-Flotilla-Console'] = '1';
    init.body = JSON.stringify(body ?? {});
  }
  let res: Response;
  try {
    res = await fetch(apiBase + path, init);
  } catch (e) {
    throw new ApiError(0, `the console backend cannot be reached (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401 && !opts.noAuthRedirect) unauthorized();
    throw err;
  }
  if (res.status === 204) return {} as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : {}) as T;
}

const seg = encodeURIComponent;
const nsQuery = (namespace?: string) => (namespace ? `?namespace=${seg(namespace)}` : '');

export const api = {
  whoami: () => request<WhoAmI>('GET', '/whoami', undefined, { noAuthRedirect: true }),
  login: (token: string) => request<WhoAmI>('POST', '/login', { token }, { noAuthRedirect: true }),
  logout: () => request<unknown>('POST', '/logout', {}, { noAuthRedirect: true }),

  clusters: () => request<List<MemberCluster>>('GET', '/clusters'),
  applications: (namespace?: string) => request<List<Application>>('GET', `/applications${nsQuery(namespace)}`),
  application: (ns: string, name: string) => request<ApplicationDetail>('GET', `/applications/${seg(ns)}/${seg(name)}`),
  autoscalers: (namespace?: string) => request<List<FleetAutoscaler>>('GET', `/autoscalers${nsQuery(namespace)}`),
  resourcePolicies: (namespace?: string) => request<List<ResourcePolicy>>('GET', `/resourcepolicies${nsQuery(namespace)}`),
  audit: (search: string) => request<List<AuditRecord>>('GET', `/audit${search ? `?${search}` : ''}`),

  scale: (ns: string, name: string, replicas: number) =>
    request<Application>('POST', `/applications/${seg(ns)}/${seg(name)}/scale`, { replicas }),
  undo: (ns: string, name: string, toRevision: number) =>
    request<Application>('POST', `/applications/${seg(ns)}/${seg(name)}/undo`, { toRevision }),
  // The backend answers {"message": what it did, "application": the changed Application}.
  rollout: (ns: string, name: string, action: 'promote' | 'promote-full' | 'pause' | 'resume' | 'abort') =>
    request<{ message?: string; application?: Application }>('POST', `/applications/${seg(ns)}/${seg(name)}/rollout/${action}`, {}),
  revert: (ns: string, name: string, toRevision: number) =>
    request<ResourcePolicy>('POST', `/resourcepolicies/${seg(ns)}/${seg(name)}/revert`, { toRevision }),
};

/** streamURL is the Server-Sent Events stream of changes. */
export const streamURL = `${apiBase}/stream`;

/** message is the text to show for a failure. */
export function message(e: unknown): string {
  if (e instanceof ApiError) {
    const prefix = e.status === 403 ? 'Forbidden: ' : e.status === 404 ? 'Not found: ' : e.status === 409 ? 'Conflict: ' : '';
    return prefix + e.message + (e.field ? ` (field ${e.field})` : '');
  }
  return e instanceof Error ? e.message : String(e);
}
