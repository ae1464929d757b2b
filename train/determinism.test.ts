/**
 * Reproducibility at the DEFAULT seed (0), which tfjs used to read as "unseeded": two runs with the
 * same options give the same metrics and weights, bit for bit, with one worker and with two, and a
 * resumed run reproduces the uninterrupted one. (Across a SIGKILL: train/trainer.test.ts.)
 * Small on purpose: 64 examples, batch 16, 5 critic steps (an epoch boundary and a generator step).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readCheckpoint } from './checkpoint.ts';
import { readMetrics } from './metrics.ts';
import { train, type TrainOptions } from './trainer.ts';

const tmp = (p: string) => mkdtempSync(path.join(os.tmpdir(), `cgan-det-${p}-`));
const opts = (out: string, extra: Partial<TrainOptions> = {}): TrainOptions => ({
  out,
  limit: 64,
  backend: 'wasm',
  workers: 1,
  hyper: { lr: 2e-4, beta1: 0.5, beta2: 0.9, eps: 1e-8, lambda: 10, nCritic: 5, batchSize: 16, emaDecay: 0.999 },
  seed: 0,
  steps: 5,
  log: () => undefined,
  ...extra,
});

/** Every metric but wall-clock seconds, and every checkpoint tensor, must match exactly. */
async function assertSameRun(a: string, b: string, what: string): Promise<void> {
  const strip = (rows: Awaited<ReturnType<typeof readMetrics>>) => rows.map(({ seconds: _, ...r }) => r);
  const [ma, mb] = [await readMetrics(path.join(a, 'metrics.jsonl')), await readMetrics(path.join(b, 'metrics.jsonl'))];
  assert.equal(ma.length, 5, `${what}: steps logged`);
  assert.deepEqual(strip(mb), strip(ma), `${what}: metrics.jsonl differs`);
  const [ca, cb] = [await readCheckpoint(a), await readCheckpoint(b)];
  assert.deepEqual(cb.state.rng, ca.state.rng, `${what}: RNG state`);
  assert.deepEqual(Object.keys(cb.tensors).sort(), Object.keys(ca.tensors).sort());
  for (const [k, t] of Object.entries(ca.tensors)) {
    assert.ok(
      Buffer.from(t.data.buffer).equals(Buffer.from(cb.tensors[k].data.buffer)),
      `${what}: tensor ${k} differs`,
    );
  }
}

test('seed 0, one worker: two runs are identical, and a resumed run matches the uninterrupted one', async () => {
  const [a, b, split] = [tmp('a'), tmp('b'), tmp('split')];
  await Promise.all([train(opts(a)), train(opts(b)), train(opts(split, { steps: 3 }))]);
  await assertSameRun(a, b, 'two runs');
  await train(opts(split, { resume: split }));
  await assertSameRun(a, split, 'resumed at step 3');
});

test('seed 0, two workers: two runs are identical (every replica starts from the same weights)', async () => {
  const [a, b] = [tmp('w2a'), tmp('w2b')];
  await Promise.all([train(opts(a, { workers: 2 })), train(opts(b, { workers: 2 }))]);
  await assertSameRun(a, b, 'two runs with 2 workers');
});
