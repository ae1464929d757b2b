import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noiseFromSeed } from '../../runtime/random.ts';
import { repeatNoise, slerpStrip } from './latent.ts';

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

test("slerp strip: exact endpoints, norms kept near the endpoints'", () => {
  const a = noiseFromSeed(1, 1, 128);
  const b = noiseFromSeed(2, 1, 128);
  const s = slerpStrip(a, b, 7);
  assert.equal(s.length, 7 * 128);
  assert.deepEqual(s.subarray(0, 128), a);
  assert.deepEqual(s.subarray(6 * 128), b);
  const mid = s.subarray(3 * 128, 4 * 128);
  // Linear interpolation of two near-orthogonal vectors would shrink the middle to ~0.71x.
  const expected = (norm(a) + norm(b)) / 2;
  assert.ok(Math.abs(norm(mid) - expected) / expected < 0.05, `mid norm ${norm(mid)} vs ${expected}`);
});

test('slerp strip: identical endpoints give a constant strip; bad input throws', () => {
  const a = noiseFromSeed(3, 1, 16);
  const s = slerpStrip(a, a, 4);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 16; j++) assert.ok(Math.abs(s[i * 16 + j] - a[j]) < 1e-6);
  assert.throws(() => slerpStrip(a, new Float32Array(8), 4), /lengths differ/);
  assert.throws(() => slerpStrip(a, a, 1), /at least 2 steps/);
});

test('repeatNoise repeats one vector', () => {
  const z = new Float32Array([1, 2, 3]);
  assert.deepEqual([...repeatNoise(z, 3)], [1, 2, 3, 1, 2, 3, 1, 2, 3]);
});
