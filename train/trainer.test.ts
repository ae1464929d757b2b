/**
 * Training end to end on a small subset: a few real steps on the wasm backend with the real worker
 * pool, checkpoints, resume (also after SIGKILL), divergence handling and tensor leaks.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeCheckpoint, encodeCheckpoint, readCheckpoint } from './checkpoint.ts';
import { effectiveDecay } from './ema.ts';
import { readMetrics } from './metrics.ts';
import { train, type TrainOptions } from './trainer.ts';
import { CGAN_ARGV } from '../test/run-cgan.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = (p: string) => mkdtempSync(path.join(os.tmpdir(), `cgan-${p}-`));
// 64 examples at batch 16: 4 critic steps per epoch; a generator step every 5.
const base = (out: string, extra: Partial<TrainOptions> = {}): TrainOptions => ({
  out,
  limit: 64,
  backend: 'wasm',
  workers: 1,
  hyper: { lr: 2e-4, beta1: 0.5, beta2: 0.9, eps: 1e-8, lambda: 10, nCritic: 5, batchSize: 16 },
  seed: 3,
  log: () => undefined,
  ...extra,
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('a short run: finite losses, weights that change, files written', async () => {
  const out = tmp('short');
  const r = await train(base(out, { steps: 6, onStep: () => undefined }));
  assert.equal(r.state.step, 6);
  assert.equal(r.state.epoch, 1); // 4 steps per epoch
  assert.equal(r.state.generatorSteps, 1);
  const m = await readMetrics(path.join(out, 'metrics.jsonl'));
  assert.deepEqual(
    m.map((x) => x.step),
    [1, 2, 3, 4, 5, 6],
  );
  for (const x of m) {
    for (const v of [x.real_score, x.fake_score, x.wasserstein, x.penalty])
      assert.ok(Number.isFinite(v), JSON.stringify(x));
    assert.ok(Math.abs(x.wasserstein - (x.real_score - x.fake_score)) < 1e-9);
  }
  assert.ok(Number.isFinite(m[4].generator_score!), 'generator score on step 5');
  assert.equal(m[3].generator_score, undefined);
  // The critic learns to separate real from fake within a few steps.
  assert.ok(m[5].wasserstein > m[0].wasserstein, `W ${m[0].wasserstein} -> ${m[5].wasserstein}`);
  for (const f of ['checkpoint.safetensors', 'curves.svg', 'samples/epoch-0000.png', 'samples/epoch-0001.png'])
    assert.ok(existsSync(path.join(out, f)), f);

  // Compare with a 1-step run of the same seed: its generator is still the initial one.
  const ck = await readCheckpoint(out);
  const fresh = await train(base(tmp('one'), { steps: 1 }));
  const ck1 = await readCheckpoint(fresh.checkpoint);
  assert.equal(
    maxAbsDiff(ck.tensors['generator.dense.kernel'].data, ck1.tensors['generator.dense.kernel'].data) > 0,
    true,
    'generator weights changed',
  );
  assert.ok(
    maxAbsDiff(ck.tensors['critic.conv1.kernel'].data, ck1.tensors['critic.conv1.kernel'].data) > 1e-6,
    'critic weights changed',
  );
  assert.equal(ck.config.hyper.lambda, 10);
  assert.equal(ck.state.adamT.critic, 6);
  assert.equal(ck.state.adamT.generator, 1);
});

test('the worker pool keeps tensor counts constant across steps', async () => {
  const { WorkerPool } = await import('./pool.ts');
  const { defaultArch } = await import('./model.ts');
  const pool = await WorkerPool.start(2, defaultArch(), base('').hyper, 1, 'wasm');
  try {
    const n = 8;
    const real = new Float32Array(n * 784).fill(0.5);
    const labels = Int32Array.from({ length: n }, (_, i) => i);
    const z = new Float32Array(n * 128).fill(0.1);
    const alpha = new Float32Array(n).fill(0.5);
    const counts: number[][] = [];
    for (let i = 0; i < 4; i++) {
      counts.push((await pool.criticStep({ real, labels, z, alpha })).numTensors);
      counts.push((await pool.generatorStep(labels, z)).numTensors);
    }
    assert.deepEqual(counts.slice(2), counts.slice(0, -2), `tensor counts per step: ${JSON.stringify(counts)}`);
  } finally {
    await pool.close();
  }
});

test('two workers compute the same update as one (data parallelism is exact up to rounding)', async () => {
  const one = await train(base(tmp('w1'), { steps: 5 }));
  const two = await train(base(tmp('w2'), { steps: 5, workers: 2 }));
  const a = await readCheckpoint(one.checkpoint);
  const b = await readCheckpoint(two.checkpoint);
  for (const name of ['critic.conv2.kernel', 'generator.deconv2.kernel', 'generator.embedding']) {
    const d = maxAbsDiff(a.tensors[name].data, b.tensors[name].data);
    assert.ok(d < 2e-5, `${name}: max abs diff ${d}`);
  }
});

test('a checkpoint round-trips bit-exactly and a resume reproduces the uninterrupted run', async () => {
  const straight = tmp('straight');
  await train(base(straight, { steps: 7 }));
  const split = tmp('split');
  await train(base(split, { steps: 3 }));
  const mid = await readCheckpoint(split);
  const again = decodeCheckpoint(encodeCheckpoint(mid), 'memory');
  assert.deepEqual(again.state, mid.state);
  for (const [k, t] of Object.entries(mid.tensors)) assert.deepEqual(again.tensors[k].data, t.data, k);
  await train(base(split, { steps: 7, resume: split }));

  const a = await readCheckpoint(straight);
  const b = await readCheckpoint(split);
  assert.deepEqual(b.state.rng, a.state.rng);
  assert.equal(b.state.step, 7);
  for (const [k, t] of Object.entries(a.tensors))
    assert.deepEqual(b.tensors[k].data, t.data, `${k} differs after resume`);
  const ma = await readMetrics(path.join(straight, 'metrics.jsonl'));
  const mb = await readMetrics(path.join(split, 'metrics.jsonl'));
  assert.deepEqual(
    mb.map((x) => [x.step, x.real_score, x.fake_score, x.penalty, x.generator_score]),
    ma.map((x) => [x.step, x.real_score, x.fake_score, x.penalty, x.generator_score]),
  );
});

test(
  'a SIGKILLed `cgan train` at the default seed resumes, takes over its stale lock, ' + 'and matches an unkilled run',
  async () => {
    const out = tmp('killed');
    // No --seed: the default (0) is the seed tfjs once read as "unseeded".
    const common = [
      ...CGAN_ARGV,
      'train',
      '--limit',
      '64',
      '--batch-size',
      '16',
      '--backend',
      'wasm',
      '--workers',
      '1',
      '--save-every',
      '2',
    ];
    const args = [...common, '--out', out];
    const child = spawn(process.execPath, [...args, '--steps', '40'], { cwd: root, stdio: 'ignore' });
    const metricsFile = path.join(out, 'metrics.jsonl');
    // Kill it once it has checkpointed a few steps in.
    for (;;) {
      await new Promise((r) => setTimeout(r, 200));
      const ck = existsSync(path.join(out, 'checkpoint.safetensors'))
        ? await readCheckpoint(out).catch(() => undefined)
        : undefined;
      if (ck && ck.state.step >= 4) break;
      assert.equal(child.exitCode, null, 'training exited before it could be killed');
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const killedAt = (await readCheckpoint(out)).state.step;
    assert.ok(existsSync(path.join(out, '.lock')), 'the killed run left its lock');
    const straight = tmp('unkilled');
    const run = (argv: string[]) => {
      const child = spawn(process.execPath, argv, { cwd: root, stdio: 'pipe' });
      let text = '';
      child.stdout!.on('data', (d) => (text += d));
      child.stderr!.on('data', (d) => (text += d));
      return new Promise<{ code: number | null; text: string }>((r) => child.once('exit', (code) => r({ code, text })));
    };
    const [{ code, text }, uninterrupted] = await Promise.all([
      // The same workers as the killed run: two workers sum gradients in another order (equal only up to rounding).
      run([...common, '--resume', out, '--steps', String(killedAt + 3)]),
      run([...common, '--out', straight, '--steps', String(killedAt + 3)]),
    ]);
    assert.equal(code, 0, text);
    assert.equal(uninterrupted.code, 0, uninterrupted.text);
    assert.match(text, /taking over a stale lock .*\.lock left by pid \d+, which is no longer running/);
    assert.match(text, new RegExp(`resumed from .* at step ${killedAt}`));
    assert.equal(existsSync(path.join(out, '.lock')), false, 'the lock is released at the end');
    const same = (rows: Awaited<ReturnType<typeof readMetrics>>) => rows.map(({ seconds: _, ...r }) => r);
    assert.deepEqual(
      same(await readMetrics(metricsFile)),
      same(await readMetrics(path.join(straight, 'metrics.jsonl'))),
    );
    const [a, b] = [await readCheckpoint(out), await readCheckpoint(straight)];
    for (const [k, t] of Object.entries(b.tensors))
      assert.deepEqual(a.tensors[k].data, t.data, `${k} differs from the unkilled run`);
    const steps = (await readMetrics(metricsFile)).map((r) => r.step);
    assert.deepEqual(
      steps,
      Array.from({ length: killedAt + 3 }, (_, i) => i + 1),
      'each step logged exactly once',
    );
    assert.equal((await readCheckpoint(out)).state.step, killedAt + 3);
  },
);

test('a diverging run stops with a message and keeps the last good checkpoint', async () => {
  const out = tmp('nan');
  // lr 1e30 blows the weights up after the first update; the next step's loss is not finite.
  const hyper = { ...base(out).hyper, lr: 1e30 };
  await assert.rejects(
    train(base(out, { steps: 5, hyper, saveEvery: 1 })),
    /training diverged at step \d: .*not finite.*last good checkpoint \(step \d\) is kept/,
  );
  const ck = await readCheckpoint(out);
  for (const t of Object.values(ck.tensors)) for (const v of t.data) assert.ok(Number.isFinite(v));
});

test('a run that diverges before its first checkpoint says none was saved, not "step none"', async () => {
  const out = tmp('nan-early');
  // No --save-every and 4 steps per epoch: it blows up at step 2, before any save.
  const hyper = { ...base(out).hyper, lr: 1e30 };
  await assert.rejects(train(base(out, { steps: 5, hyper })), (e: Error) => {
    assert.match(e.message, /training diverged at step \d: .*No checkpoint was saved before it/);
    assert.doesNotMatch(e.message, /step none|is kept at/);
    return true;
  });
  assert.equal(existsSync(path.join(out, 'checkpoint.safetensors')), false);
});

test('starting a new run over an existing one is refused, so its checkpoint is not lost', async () => {
  const out = tmp('exists');
  await train(base(out, { steps: 1 }));
  await assert.rejects(
    train(base(out, { steps: 2 })),
    new RegExp(`${out} already holds a training run: pass --resume ${out} to continue it, or choose another --out`),
  );
  const other = tmp('other');
  await train(base(other, { steps: 1 }));
  await assert.rejects(train(base(out, { steps: 2, resume: other })), /already holds a training run/);
  assert.equal((await readCheckpoint(out)).state.step, 1);
});

test('a resume may lower the learning rate', async () => {
  const out = tmp('override');
  const logs: string[] = [];
  await train(base(out, { steps: 1 }));
  await train(base(out, { steps: 2, resume: out, hyperOverrides: { lr: 1e-4, lambda: 10 }, log: (m) => logs.push(m) }));
  const ck = await readCheckpoint(out);
  assert.equal(ck.config.hyper.lr, 1e-4);
  assert.equal(ck.state.step, 2);
  assert.deepEqual(
    logs.filter((l) => l.startsWith('resume:')),
    ['resume: lr 0.0002 -> 0.0001 (from the command line)'],
  );
});

test('a resume may change the batch size where the epoch has taken whole batches of the new size', async () => {
  // 128 examples: 8 steps per epoch at batch 16, 4 at batch 32.
  const opts = (out: string, extra: Partial<TrainOptions>) => base(out, { limit: 128, ...extra });
  const out = tmp('rebatch');
  await train(opts(out, { steps: 3 }));
  // 3 x 16 = 48 examples taken: not whole batches of 32, so the next possible step (4) is named.
  await assert.rejects(
    train(opts(out, { steps: 6, resume: out, hyperOverrides: { batchSize: 32 } })),
    new RegExp(
      "cannot change --batch-size 16 -> 32 here: the epoch's 48 examples taken so far are not whole batches of 32; " +
        'resume at batch 16 to step 4 first \\(--steps 4\\)',
    ),
  );
  assert.equal((await readCheckpoint(out)).state.step, 3, 'the refused resume left the checkpoint as it was');
  await train(opts(out, { steps: 4, resume: out }));
  const logs: string[] = [];
  const r = await train(
    opts(out, { epochs: 2, resume: out, hyperOverrides: { batchSize: 32 }, log: (m) => logs.push(m) }),
  );
  assert.ok(logs.includes('resume: batchSize 16 -> 32 (from the command line)'), logs.join('\n'));
  // 64 of the epoch's examples were taken: batch 2 of 4 at 32, then 2 more steps end epoch 1 and
  // 4 steps are epoch 2, so --epochs 2 ends at step 4 + 2 + 4.
  assert.ok(
    logs.some((l) => l.includes('at step 4 (epoch 0, batch 2/4)')),
    logs.join('\n'),
  );
  assert.equal(r.state.step, 10);
  assert.equal(r.state.epoch, 2);
  assert.equal(r.config.hyper.batchSize, 32);
  const m = await readMetrics(path.join(out, 'metrics.jsonl'));
  assert.deepEqual(
    m.map((x) => x.epoch),
    [0.125, 0.25, 0.375, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2],
  );
  // Class-balanced batches are drawn for one batch size: only an epoch boundary may change it.
  const bal = tmp('rebatch-balanced');
  await train(opts(bal, { steps: 2, hyper: { ...base('').hyper, balanced: true } }));
  await assert.rejects(
    train(opts(bal, { steps: 6, resume: bal, hyperOverrides: { batchSize: 32 } })),
    new RegExp(
      'class-balanced batches are drawn for one batch size, so it can change only at an epoch boundary; ' +
        'resume at batch 16 to step 8 first',
    ),
  );
});

test(
  'the generator weight average: exact after one generator step, checkpointed, started on resume, ' +
    'and off at decay 0',
  async () => {
    const out = tmp('ema');
    // Steps 1..5: the generator moves once, at step 5; the average is d w0 + (1 - d) w1, d the warmed-up 0.25.
    await train(base(out, { steps: 5, hyper: { ...base('').hyper, emaDecay: 0.25 } }));
    const ck = await readCheckpoint(out);
    const w0 = await readCheckpoint((await train(base(tmp('ema0'), { steps: 1 }))).checkpoint);
    assert.equal(ck.config.hyper.emaDecay, 0.25);
    for (const name of ['generator.dense.kernel', 'generator.deconv2.kernel', 'generator.embedding']) {
      const a = ck.tensors[`ema.${name}`].data;
      const w1 = ck.tensors[name].data;
      const d = effectiveDecay(0.25, 1);
      const want = Array.from(w1, (v, i) => d * w0.tensors[name].data[i] + (1 - d) * v);
      assert.ok(maxAbsDiff(a, want) < 1e-6, `${name}: ${maxAbsDiff(a, want)}`);
      assert.ok(maxAbsDiff(a, w1) > 1e-7, `${name}: the average should differ from the last iterate`);
    }
    assert.equal(
      Object.keys(ck.tensors).some((k) => k.startsWith('ema.critic')),
      false,
      'only the generator is averaged',
    );

    // A checkpoint without an average (an older build, or --ema-decay 0) starts one when resumed.
    const off = tmp('ema-off');
    await train(base(off, { steps: 2, hyper: { ...base('').hyper, emaDecay: 0 } }));
    assert.equal(
      Object.keys((await readCheckpoint(off)).tensors).some((k) => k.startsWith('ema.')),
      false,
    );
    const logs: string[] = [];
    await train(base(off, { steps: 3, resume: off, hyperOverrides: { emaDecay: 0.999 }, log: (m) => logs.push(m) }));
    assert.ok(
      logs.some((l) => /no generator weight average; it starts now from the resumed weights \(decay 0.999\)/.test(l)),
      logs.join('\n'),
    );
    const resumed = await readCheckpoint(off);
    assert.deepEqual(
      resumed.tensors['ema.generator.dense.kernel'].data,
      resumed.tensors['generator.dense.kernel'].data,
      'no generator step yet: average = weights',
    );
  },
);
