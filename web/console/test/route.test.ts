import assert from 'node:assert/strict';
import { test } from 'node:test';
import { href, parseRoute, section } from '../src/lib/route';

test('parseRoute reads every page', () => {
  assert.deepEqual(parseRoute(''), { page: 'clusters' });
  assert.deepEqual(parseRoute('#/'), { page: 'clusters' });
  assert.deepEqual(parseRoute('#/clusters'), { page: 'clusters' });
  assert.deepEqual(parseRoute('#/apps'), { page: 'apps' });
  assert.deepEqual(parseRoute('#/apps/shop/web'), { page: 'app', namespace: 'shop', name: 'web' });
  assert.deepEqual(parseRoute('#/autoscalers'), { page: 'autoscalers' });
  assert.deepEqual(parseRoute('#/autoscalers/shop/web'), { page: 'autoscalers', namespace: 'shop', name: 'web' });
  assert.deepEqual(parseRoute('#/tuning/shop/web-tuning'), { page: 'tuning', namespace: 'shop', name: 'web-tuning' });
  assert.deepEqual(parseRoute('#/audit'), { page: 'audit', query: {} });
  assert.deepEqual(parseRoute('#/audit?user=alice%40example.com&since=1h'), { page: 'audit', query: { user: 'alice@example.com', since: '1h' } });
  assert.deepEqual(parseRoute('#/apps/shop'), { page: 'notfound', path: '/apps/shop' });
  assert.deepEqual(parseRoute('#/nope'), { page: 'notfound', path: '/nope' });
});

test('href and parseRoute round-trip, escaping names', () => {
  for (const r of [
    { page: 'clusters' },
    { page: 'apps' },
    { page: 'app', namespace: 'team a', name: 'w/eb' },
    { page: 'autoscalers', namespace: 'shop', name: 'web' },
    { page: 'tuning' },
    { page: 'audit', query: { user: 'a&b=c', since: '2h' } },
  ] as const) {
    assert.deepEqual(parseRoute(href(r)), r);
  }
});

test('href leaves empty audit fields out', () => {
  assert.equal(href({ page: 'audit', query: { user: '', verb: 'scale', since: '1h' } }), '#/audit?verb=scale&since=1h');
  assert.equal(href({ page: 'audit', query: {} }), '#/audit');
});

test('section maps a detail page to its list', () => {
  assert.equal(section({ page: 'app', namespace: 'a', name: 'b' }), 'apps');
  assert.equal(section({ page: 'audit', query: {} }), 'audit');
});
