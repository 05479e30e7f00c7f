import assert from 'node:assert/strict';
import { test } from 'node:test';
import { age, dateTime, parseDuration, shortDuration } from '../src/lib/time';

test('shortDuration is kubectl-like', () => {
  assert.equal(shortDuration(0), '0s');
  assert.equal(shortDuration(45_000), '45s');
  assert.equal(shortDuration(200_000), '3m20s');
  assert.equal(shortDuration(180_000), '3m');
  assert.equal(shortDuration(25 * 60_000), '25m');
  assert.equal(shortDuration(125 * 60_000), '2h5m');
  assert.equal(shortDuration(3 * 3_600_000), '3h');
  assert.equal(shortDuration(27 * 3_600_000), '1d3h');
  assert.equal(shortDuration(12 * 86_400_000), '12d');
});

test('age counts from an RFC 3339 time and never goes negative', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  assert.equal(age('2026-01-01T11:59:15Z', now), '45s');
  assert.equal(age('2026-01-01T12:00:30Z', now), '0s');
  assert.equal(age(undefined, now), '–');
  assert.equal(age('not a time', now), '–');
  assert.equal(age(now - 60_000, now), '1m');
});

test('parseDuration reads Go-style durations', () => {
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('2d'), 172_800_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration(''), undefined);
  assert.equal(parseDuration('1x'), undefined);
  assert.equal(parseDuration('h1'), undefined);
  assert.equal(parseDuration('1h junk'), undefined);
});

test('dateTime writes a local time', () => {
  assert.match(dateTime('2026-01-01T12:00:00Z'), /^2026-01-0[12] \d\d:00:00$/);
  assert.equal(dateTime(undefined), '–');
});
