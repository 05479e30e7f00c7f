import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gapPath, linePath, linear, niceDomain, niceStep, stepPath, timeTicks } from '../src/lib/chart';

test('niceStep picks 1, 2 or 5 times a power of ten', () => {
  assert.equal(niceStep(10, 5), 2);
  assert.equal(niceStep(1, 4), 0.5);
  assert.equal(niceStep(24, 4), 10);
  assert.equal(niceStep(0.03, 4), 0.01);
  assert.equal(niceStep(0, 4), 1);
});

test('niceDomain widens to round ends', () => {
  assert.deepEqual(niceDomain(4, 16, 4), { min: 0, max: 20, ticks: [0, 5, 10, 15, 20] });
  assert.deepEqual(niceDomain(0.0048, 0.0071, 4).ticks, [0.004, 0.005, 0.006, 0.007, 0.008]);
  const flat = niceDomain(12, 12);
  assert.ok(flat.min < 12 && flat.max > 12);
  assert.deepEqual(niceDomain(0, 0).ticks.includes(0), true);
  assert.deepEqual(niceDomain(NaN, 1), { min: 0, max: 1, ticks: [0, 1] });
});

test('linear maps a domain onto a range', () => {
  const f = linear(0, 10, 100, 0);
  assert.equal(f(0), 100);
  assert.equal(f(5), 50);
  assert.equal(linear(3, 3, 0, 10)(3), 5);
});

test('paths: straight, step and with gaps', () => {
  assert.equal(linePath([{ x: 0, y: 0 }, { x: 10, y: 5 }]), 'M0,0L10,5');
  assert.equal(stepPath([{ x: 0, y: 10 }, { x: 5, y: 2 }], 9), 'M0,10H5V2H9');
  assert.equal(stepPath([]), '');
  assert.equal(gapPath([{ x: 0, y: 1 }, { x: 1, y: undefined }, { x: 2, y: 3 }, { x: 3, y: 4 }]), 'M0,1M2,3L3,4');
});

test('timeTicks falls on round times within the span', () => {
  const t0 = Date.parse('2026-01-01T10:03:00Z');
  const t1 = Date.parse('2026-01-01T11:47:00Z');
  const ticks = timeTicks(t0, t1, 4);
  assert.ok(ticks.length >= 3 && ticks.length <= 8, `got ${ticks.length} ticks`);
  for (const t of ticks) {
    assert.ok(t >= t0 && t <= t1);
    assert.equal(new Date(t).getSeconds(), 0);
  }
  assert.deepEqual(timeTicks(5, 5), [5]);
});
