import assert from 'node:assert/strict';
import { test } from 'node:test';
import { debounceCollect } from '../src/lib/debounce';

test('debounceCollect flushes once after the quiet period with every item', async () => {
  const batches: number[][] = [];
  const d = debounceCollect<number>((items) => batches.push(items), 20);
  d(1);
  d(2);
  d(3);
  assert.deepEqual(batches, []);
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(batches, [[1, 2, 3]]);
  d(4);
  d.cancel();
  await new Promise((r) => setTimeout(r, 40));
  assert.deepEqual(batches, [[1, 2, 3]]);
});

test('debounceCollect flushes at maxWait while calls keep coming', async () => {
  const batches: number[][] = [];
  const d = debounceCollect<number>((items) => batches.push(items), 30, 60);
  for (let i = 0; i < 12; i++) {
    d(i);
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(batches.length >= 2, `expected a flush before the calls stopped, got ${JSON.stringify(batches)}`);
  assert.deepEqual(batches.flat(), [...Array(12).keys()]);
});
