import assert from 'node:assert/strict';
import { test } from 'node:test';
import { noiseFromSeed } from './random.ts';

const bits = (a: Float32Array) =>
  Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length), (x) => `0x${x.toString(16)}`);

// Pinned bit patterns: the browser computes the same (xoshiro128** + Box-Muller in plain JS), and
// docs/runtime-api.md lists them so browser tests can pin them too. A change here breaks every
// "same seed, same picture" promise: change the recipe only with a format bump.
test('noiseFromSeed is pinned bit for bit', () => {
  assert.deepEqual(bits(noiseFromSeed(42, 2, 3)), [
    '0x3f22dffc',
    '0x3f26c4ec',
    '0x3f54af6f',
    '0xbff6000f',
    '0x400e30fa',
    '0x3ebe12b9',
  ]);
  const z0 = noiseFromSeed(0, 1, 128);
  assert.deepEqual([bits(z0)[0], bits(z0)[127]], ['0xbd2fd2eb', '0x3f9bd0b6']);
  assert.deepEqual(bits(noiseFromSeed(4294967295, 1, 5)), [
    '0xbfdb0582',
    '0x3f167c2a',
    '0xbf821bb6',
    '0x3ed196de',
    '0x3d4c35ba',
  ]);
});

test('noise for more images extends, never changes, the noise for fewer', () => {
  const a = noiseFromSeed(9, 3, 128);
  const b = noiseFromSeed(9, 5, 128);
  assert.deepEqual(bits(b.subarray(0, a.length)), bits(a));
});

test('noise looks standard normal', () => {
  const z = noiseFromSeed(1, 100, 128);
  const mean = z.reduce((s, v) => s + v, 0) / z.length;
  const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / z.length;
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`);
});
