import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { testOnnx } from '../test/test-checkpoint.ts';
import { Generator } from '../runtime/node.ts';
import { noiseFromSeed } from '../runtime/random.ts';
import { ClosedError, MicroBatcher, QueueFullError, type BatcherOptions } from './batcher.ts';

const maxDiff = (x: Float32Array, y: Float32Array) => x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);

/** A fake model: each output row is [label, first noise value] repeated, so rows can be traced. */
const Z = 4;
const PLANE = 2;
function fake(opts: Partial<BatcherOptions> = {}) {
  const runs: number[][] = [];
  const b = new MicroBatcher(
    async (labels, noise) => {
      runs.push([...labels]);
      await new Promise((r) => setTimeout(r, 5));
      const out = new Float32Array(labels.length * PLANE);
      labels.forEach((l, i) => out.set([l, noise[i * Z]], i * PLANE));
      return out;
    },
    { maxBatch: 8, maxDelayMs: 20, maxQueue: 64, zDim: Z, plane: PLANE, ...opts },
  );
  return { b, runs };
}
const job = (labels: number[], tag: number) => {
  const noise = new Float32Array(labels.length * Z);
  labels.forEach((_, i) => (noise[i * Z] = tag + i));
  return [labels, noise] as const;
};

let g: Generator;
before(async () => {
  g = await Generator.load(await testOnnx(), { device: 'cpu' });
});
after(async () => {
  await g.dispose();
});

test('concurrent requests of different sizes run as one session run, each getting its own images', async (t) => {
  const { zDim, imageSize } = g.info;
  const plane = imageSize * imageSize;
  const batches: number[] = [];
  const b = new MicroBatcher(
    async (labels, noise) => (await g.generate({ labels, noise, batchSize: labels.length })).data,
    {
      maxBatch: 256,
      maxDelayMs: 200, // long enough that all five are queued before the batch starts
      maxQueue: 1024,
      zDim,
      plane,
      onBatch: (n) => batches.push(n),
    },
  );
  const sizes = [1, 3, 7, 2, 16];
  const reqs = sizes.map((n, k) => ({
    labels: Array.from({ length: n }, (_, i) => (i * 3 + k) % 10),
    noise: noiseFromSeed(100 + k, n, zDim),
  }));
  const got = await Promise.all(reqs.map((r) => b.submit(r.labels, r.noise)));
  assert.deepEqual(batches, [29], 'one session run of all 29 images');
  let worst = 0;
  for (let k = 0; k < reqs.length; k++) {
    const alone = await g.generate({ labels: reqs[k].labels, noise: reqs[k].noise });
    assert.equal(got[k].length, sizes[k] * plane);
    worst = Math.max(worst, maxDiff(got[k], alone.data));
  }
  // onnxruntime's cpu GEMM may take another kernel path at batch 29 than at batch 1..16, which
  // moves the last bits; a row that came back to the wrong caller would differ by ~1, not 1e-6.
  t.diagnostic(`max abs difference, batched vs alone: ${worst}`);
  assert.ok(worst <= 1e-6, `batched results differ from each request run alone by ${worst}`);
  // The rows really are different images (else the check above could not catch a mix-up).
  assert.ok(maxDiff(got[1].subarray(0, plane), got[2].subarray(0, plane)) > 0.1);
});

test('a batch starts at maxBatch images or after maxDelayMs, never mixing up rows', async () => {
  const { b, runs } = fake({ maxBatch: 8, maxDelayMs: 30 });
  const t0 = performance.now();
  const lone = await b.submit(...job([5], 50));
  assert.ok(performance.now() - t0 >= 25, 'a lone request waits out the delay for company');
  assert.deepEqual(Array.from(lone), [5, 50]);

  runs.length = 0;
  const ps = [job([1, 1, 1], 10), job([2, 2, 2, 2], 20), job([3, 3], 30), job([4], 40)].map((j) => b.submit(...j));
  const out = await Promise.all(ps);
  // FIFO, whole requests: 3 + 4 fit in 8, the next (2) does not, so it starts the second batch.
  assert.deepEqual(runs, [
    [1, 1, 1, 2, 2, 2, 2],
    [3, 3, 4],
  ]);
  assert.deepEqual(Array.from(out[1]), [2, 20, 2, 21, 2, 22, 2, 23]);
  assert.deepEqual(Array.from(out[3]), [4, 40]);
});

test('maxBatch 1 is one run per request; a request larger than maxBatch still runs, alone', async () => {
  const { b, runs } = fake({ maxBatch: 1, maxDelayMs: 0 });
  await Promise.all([b.submit(...job([1], 0)), b.submit(...job([2], 0)), b.submit(...job([3, 3, 3], 0))]);
  assert.deepEqual(runs, [[1], [2], [3, 3, 3]]);
});

test('a full queue refuses at once; an aborted request leaves the queue and is never run', async () => {
  const { b, runs } = fake({ maxBatch: 8, maxDelayMs: 50, maxQueue: 6 });
  const a = b.submit(...job([1, 1, 1, 1], 0));
  await assert.rejects(
    b.submit(...job([2, 2, 2], 0)),
    (e: unknown) => e instanceof QueueFullError && /4 of 6 images waiting/.test(e.message),
  );
  const ac = new AbortController();
  const gone = b.submit(...job([9, 9], 0), ac.signal);
  assert.equal(b.depth, 6);
  ac.abort(new Error('client left'));
  await assert.rejects(gone, /client left/);
  assert.equal(b.depth, 4);
  await a;
  assert.deepEqual(runs, [[1, 1, 1, 1]], 'the aborted rows were never run');
});

test('a failed run fails each of its requests; close() runs what is queued without waiting, then refuses', async () => {
  const failing = new MicroBatcher(async () => Promise.reject(new Error('boom')), {
    maxBatch: 8,
    maxDelayMs: 0,
    maxQueue: 8,
    zDim: Z,
    plane: PLANE,
  });
  const r = await Promise.allSettled([failing.submit(...job([1], 0)), failing.submit(...job([2], 0))]);
  assert.deepEqual(
    r.map((x) => x.status),
    ['rejected', 'rejected'],
  );

  const { b, runs } = fake({ maxDelayMs: 10_000 });
  const t0 = performance.now();
  const p = b.submit(...job([7], 70));
  await b.close();
  assert.ok(performance.now() - t0 < 2000, 'close does not wait out the batching delay');
  assert.deepEqual(Array.from(await p), [7, 70]);
  assert.deepEqual(runs, [[7]]);
  await assert.rejects(b.submit(...job([1], 0)), ClosedError);
});
