/**
 * Test helpers: run the same computation on the stock cpu backend and on wasm with the replacement
 * kernels, and compare numbers. Shared by the *.test.ts files beside it.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerTrainingFixes } from '../train/kernels/register.ts';

let ready: Promise<void> | undefined;

/** Initialises cpu and wasm once, then registers the fixes (on wasm only; cpu stays stock). */
export function initBackends(): Promise<void> {
  ready ??= (async () => {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend did not initialise');
    if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend did not initialise');
    registerTrainingFixes();
  })();
  return ready;
}

/** Runs fn with `backend` active and returns the result's values, disposing every tensor it made. */
export async function valuesOn(
  backend: string,
  fn: () => tf.Tensor,
): Promise<{ shape: number[]; values: Float32Array }> {
  await tf.setBackend(backend);
  const t = tf.tidy(fn);
  const values = Float32Array.from(await t.data());
  const shape = t.shape;
  t.dispose();
  return { shape, values };
}

/** Deterministic test data in [-1, 1]. */
export function seededValues(count: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Max abs difference divided by max(1, max |expected|). */
export function relativeMaxDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return Number.isNaN(diff) ? Infinity : diff / scale;
}
