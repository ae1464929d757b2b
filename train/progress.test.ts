import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatEta } from './progress.ts';

test('the ETA is rounded once, so its minutes and seconds never read 60', () => {
  assert.equal(formatEta(46 * 3600 + 59 * 60 + 59.6), '47h00m');
  assert.equal(formatEta(46 * 3600 + 59 * 60 + 29), '46h59m');
  assert.equal(formatEta(3599.7), '1h00m');
  assert.equal(formatEta(3599.4), '59m59s');
  assert.equal(formatEta(119.6), '2m00s');
  assert.equal(formatEta(59.6), '1m00s');
  assert.equal(formatEta(42.2), '42s');
  assert.equal(formatEta(0), '0s');
  for (let s = 0; s < 200 * 3600; s += 17.3) assert.doesNotMatch(formatEta(s), /\D60[ms]/, String(s));
});

test('no estimate yet reads "-", not NaN or Infinity', () => {
  assert.equal(formatEta(Number.NaN), '-');
  assert.equal(formatEta(Number.POSITIVE_INFINITY), '-');
  assert.equal(formatEta(-1), '-');
});
