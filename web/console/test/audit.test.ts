import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditQuery, auditSearch, changes, limitOf, objectText } from '../src/lib/audit';

test('auditQuery fills the form with since defaulting to 1h', () => {
  assert.deepEqual(auditQuery({}), { user: '', app: '', cluster: '', verb: '', since: '1h' });
  assert.deepEqual(auditQuery({ user: 'bob', since: '24h', kind: 'X' }), { user: 'bob', app: '', cluster: '', verb: '', since: '24h' });
});

test('auditSearch is the API query: non-empty fields, trimmed, escaped', () => {
  assert.equal(auditSearch({}), 'since=1h');
  assert.equal(auditSearch({ user: ' alice@example.com ', app: 'web', since: '' }), 'user=alice%40example.com&app=web');
  assert.equal(auditSearch({ verb: 'scale', kind: 'Application', limit: '50', junk: 'x' }), 'verb=scale&since=1h&kind=Application&limit=50');
  assert.equal(auditSearch({ since: '2026-11-24T10:00:00Z', source: 'apiserver' }), 'since=2026-11-24T10%3A00%3A00Z&source=apiserver');
});

test('auditSearch splits namespace/name: the API matches app on the name', () => {
  assert.equal(auditSearch({ app: 'shop/web' }), 'namespace=shop&app=web&since=1h');
  assert.equal(auditSearch({ app: 'shop/web', namespace: 'other' }), 'app=web&since=1h&namespace=other');
  assert.equal(auditSearch({ app: '/web' }), 'app=%2Fweb&since=1h');
});

test('limitOf', () => {
  assert.equal(limitOf({}), 100);
  assert.equal(limitOf({ limit: '20' }), 20);
  assert.equal(limitOf({ limit: 'x' }), 100);
});

test('changes lists what differs as dotted paths', () => {
  assert.deepEqual(changes({ spec: { replicas: 6 } }, { spec: { replicas: 8 } }).list, [{ path: 'spec.replicas', before: '6', after: '8' }]);
  assert.deepEqual(changes(undefined, undefined), { list: [], more: 0 });
  assert.deepEqual(changes(undefined, { a: 'x' }).list, [{ path: 'a', before: '∅', after: 'x' }]);
  assert.deepEqual(changes('v1', 'v2').list, [{ path: '(value)', before: 'v1', after: 'v2' }]);
  assert.deepEqual(changes('replicas 6', 'replicas 9').list, [{ path: '(value)', before: 'replicas 6', after: 'replicas 9' }]);
  assert.deepEqual(changes('', 'revert to 5').list, [{ path: '(value)', before: '', after: 'revert to 5' }]);
  assert.deepEqual(changes({ a: [1, 2], b: 1 }, { a: [1, 3], b: 1 }).list, [{ path: 'a', before: '[1,2]', after: '[1,3]' }]);
  const many = changes(Object.fromEntries([...'abcdefghij'].map((k) => [k, 1])), Object.fromEntries([...'abcdefghij'].map((k) => [k, 2])), 3);
  assert.equal(many.list.length, 3);
  assert.equal(many.more, 7);
});

test('objectText names an object', () => {
  assert.equal(objectText({ kind: 'Application', namespace: 'shop', name: 'web' }), 'Application shop/web');
  assert.equal(objectText({ kind: 'MemberCluster', name: 'eu' }), 'MemberCluster eu');
});
