import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { ApiError, api, message, onUnauthorized } from '../src/api';

type Call = { url: string; init: RequestInit };
const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
  onUnauthorized(() => {});
});

function stub(status: number, body: unknown): Call[] {
  const calls: Call[] = [];
  globalThis.fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  }) as typeof fetch;
  return calls;
}

test('a mutating request sends the JSON content type, the console header and the cookie', async () => {
  const calls = stub(200, { metadata: { name: 'web' } });
  await api.scale('shop', 'web', 8);
  const { url, init } = calls[0]!;
  assert.equal(url, '/api/v1/applications/shop/web/scale');
  assert.equal(init.method, 'POST');
  assert.equal(init.credentials, 'same-origin');
  const h = init.headers as Record<string, string>;
  assert.equal(h['Content-Type'], 'application/json');
  assert.equal(h['X-Flotilla-Console'], '1');
  assert.equal(init.body, '{"replicas":8}');
});

test('reads use the cookie and no console header; names are escaped', async () => {
  const calls = stub(200, { items: [] });
  await api.applications('team a');
  await api.application('a/b', 'c?d');
  assert.equal(calls[0]!.url, '/api/v1/applications?namespace=team%20a');
  assert.equal(calls[1]!.url, '/api/v1/applications/a%2Fb/c%3Fd');
  assert.equal(calls[0]!.init.credentials, 'same-origin');
  assert.equal((calls[0]!.init.headers as Record<string, string>)['X-Flotilla-Console'], undefined);
});

test('every action posts to its endpoint', async () => {
  const calls = stub(200, {});
  await api.undo('shop', 'web', 2);
  await api.rollout('shop', 'web', 'promote-full');
  await api.revert('shop', 'web-tuning', 0);
  await api.login('tok');
  await api.logout();
  assert.deepEqual(
    calls.map((c) => [c.url, c.init.body]),
    [
      ['/api/v1/applications/shop/web/undo', '{"toRevision":2}'],
      ['/api/v1/applications/shop/web/rollout/promote-full', '{}'],
      ['/api/v1/resourcepolicies/shop/web-tuning/revert', '{"toRevision":0}'],
      ['/api/v1/login', '{"token":"tok"}'],
      ['/api/v1/logout', '{}'],
    ],
  );
});

test('an error answer becomes an ApiError with the API text and field', async () => {
  stub(403, { error: 'User "bob" cannot patch applications/scale' });
  await assert.rejects(api.scale('billing', 'ledger', 3), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.status, 403);
    assert.equal(message(e), 'Forbidden: User "bob" cannot patch applications/scale');
    return true;
  });
  stub(400, { error: 'replicas must be an integer', field: 'replicas' });
  await assert.rejects(api.scale('a', 'b', -1), (e: unknown) => e instanceof ApiError && e.field === 'replicas' && message(e).endsWith('(field replicas)'));
  stub(502, 'Bad gateway');
  await assert.rejects(api.clusters(), (e: unknown) => e instanceof ApiError && e.message === 'Bad gateway');
});

test('401 from a read shows the login page; 401 from login does not', async () => {
  let signedOut = 0;
  onUnauthorized(() => signedOut++);
  stub(401, { error: 'no token' });
  await assert.rejects(api.clusters());
  assert.equal(signedOut, 1);
  await assert.rejects(api.login('bad'), (e: unknown) => e instanceof ApiError && e.message === 'no token');
  await assert.rejects(api.whoami());
  assert.equal(signedOut, 1);
});

test('an unreachable backend is an ApiError with status 0', async () => {
  globalThis.fetch = (async () => {
    throw new TypeError('Failed to fetch');
  }) as typeof fetch;
  await assert.rejects(api.clusters(), (e: unknown) => e instanceof ApiError && e.status === 0 && /cannot be reached/.test(e.message));
});
