import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changeText, percentChange, value, valueChanges } from '../src/lib/tuning';

test('changeText writes the changed values as the CLI does', () => {
  assert.equal(
    changeText({
      application: 'web',
      container: 'web',
      before: { requests: { cpu: '500m' }, limits: { memory: '512Mi' } },
      after: { requests: { cpu: '250m' }, limits: { memory: '384Mi' } },
    }),
    'cpu req 500m→250m, mem lim 512Mi→384Mi',
  );
  assert.equal(changeText({ application: 'web', container: 's', before: {}, after: { limits: { cpu: '200m' } } }), 'cpu lim unset→200m');
  assert.equal(changeText({ application: 'web', container: 's', before: { requests: { cpu: '0.5' } }, after: { requests: { cpu: '500m' } } }), 'no change');
});

test('value and valueChanges', () => {
  assert.equal(value({ requests: { memory: '1Gi' } }, 'memory', 'requests'), '1Gi');
  assert.equal(value(undefined, 'cpu', 'limits'), 'unset');
  assert.deepEqual(valueChanges({ requests: { cpu: '1' } }, { requests: { cpu: '2' } }), [{ short: 'cpu req', before: '1', after: '2' }]);
});

test('percentChange', () => {
  assert.equal(percentChange('500m', '250m'), '-50%');
  assert.equal(percentChange('256Mi', '384Mi'), '+50%');
  assert.equal(percentChange('1', '1000m'), '');
  assert.equal(percentChange(undefined, '1'), '');
});
