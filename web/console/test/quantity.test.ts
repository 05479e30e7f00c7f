import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes, formatCPU, formatCount, formatResource, parseQuantity } from '../src/lib/quantity';

test('parseQuantity reads decimal, binary and exponent suffixes', () => {
  assert.equal(parseQuantity('500m'), 0.5);
  assert.equal(parseQuantity('2'), 2);
  assert.equal(parseQuantity('1.5'), 1.5);
  assert.equal(parseQuantity('14350m'), 14.35);
  assert.equal(parseQuantity('1Ki'), 1024);
  assert.equal(parseQuantity('96Gi'), 96 * 2 ** 30);
  assert.equal(parseQuantity('1k'), 1000);
  assert.equal(parseQuantity('1M'), 1e6);
  assert.equal(parseQuantity('2e3'), 2000);
  assert.equal(parseQuantity('100u'), 1e-4);
  assert.equal(parseQuantity(' 3 '), 3);
  assert.equal(parseQuantity(7), 7);
});

test('parseQuantity refuses what is not a quantity', () => {
  assert.equal(parseQuantity(undefined), undefined);
  assert.equal(parseQuantity(''), undefined);
  assert.equal(parseQuantity('abc'), undefined);
  assert.equal(parseQuantity('1Xi'), undefined);
  assert.equal(parseQuantity('1.2.3'), undefined);
  assert.equal(parseQuantity(NaN), undefined);
});

test('formatCPU writes millicores below a core and cores above', () => {
  assert.equal(formatCPU(0.25), '250m');
  assert.equal(formatCPU(0), '0');
  assert.equal(formatCPU(1.5), '1.5');
  assert.equal(formatCPU(24), '24');
  assert.equal(formatCPU(14.35), '14.3');
  assert.equal(formatCPU(undefined), '–');
});

test('formatBytes writes binary units', () => {
  assert.equal(formatBytes(512 * 2 ** 20), '512Mi');
  assert.equal(formatBytes(1.5 * 2 ** 30), '1.5Gi');
  assert.equal(formatBytes(100), '100');
  assert.equal(formatBytes(2048), '2Ki');
});

test('formatResource picks the unit by resource', () => {
  assert.equal(formatResource('cpu', '9650m'), '9.65');
  assert.equal(formatResource('memory', '45Gi'), '45Gi');
  assert.equal(formatResource('pods', '243'), '243');
  assert.equal(formatResource('memory', 'garbage'), 'garbage');
  assert.equal(formatCount(12345), '12.3k');
});
