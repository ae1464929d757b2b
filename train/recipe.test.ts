/**
 * The recipe's levers end to end through the real trainer and worker pool: the learning rates each
 * network's first Adam update actually took, and a resume with every lever on reproducing the
 * uninterrupted run (the levers live in the checkpoint's config, so a resumed run keeps them).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readCheckpoint, type Hyper } from './checkpoint.ts';
import { readMetrics } from './metrics.ts';
import { describeRecipe } from './recipe.ts';
import { train, type TrainOptions } from './trainer.ts';
import { runCgan } from '../test/run-cgan.ts';

const tmp = (p: string) => mkdtempSync(path.join(os.tmpdir(), `cgan-recipe-${p}-`));
const hyper: Hyper = {
  lr: 2e-4,
  beta1: 0.5,
  beta2: 0.9,
  eps: 1e-8,
  lambda: 10,
  nCritic: 1,
  batchSize: 16,
  emaDecay: 0,
};
const base = (out: string, h: Partial<Hyper>, extra: Partial<TrainOptions> = {}): TrainOptions => ({
  out,
  limit: 64,
  backend: 'wasm',
  workers: 1,
  hyper: { ...hyper, ...h },
  seed: 4,
  log: () => undefined,
  ...extra,
});

/** Largest |a - b| over a checkpoint's tensors whose names start with `prefix`. */
function maxStep(a: Awaited<ReturnType<typeof readCheckpoint>>, b: typeof a, prefix: string): number {
  let m = 0;
  for (const [k, t] of Object.entries(a.tensors)) {
    if (!k.startsWith(prefix)) continue;
    const u = b.tensors[k].data;
    for (let i = 0; i < t.data.length; i++) m = Math.max(m, Math.abs(t.data[i] - u[i]));
  }
  return m;
}

test("each network's first update moves its weights by its own rate times the warm-up factor", async () => {
  // Adam's first step moves every weight by lr * g / (|g| + eps'), i.e. by almost exactly lr
  // wherever the gradient is not tiny: the largest change is the rate the update used.
  const h = { lrGenerator: 1e-4, lrCritic: 8e-4, warmupSteps: 4 };
  const init = tmp('init');
  await train(base(init, h, { steps: 0 }));
  const one = tmp('one');
  await train(base(one, h, { steps: 1 }));
  const [a, b] = [await readCheckpoint(init), await readCheckpoint(one)];
  assert.equal(b.state.generatorSteps, 1, 'nCritic 1: a generator step after the critic step');
  const critic = maxStep(a, b, 'critic.');
  const gen = maxStep(a, b, 'generator.');
  // Step 1 of a 4-step warm-up: 0.25 x the peak rates.
  assert.ok(Math.abs(critic - 2e-4) < 2e-6, `critic moved ${critic}, expected 8e-4 x 0.25`);
  assert.ok(Math.abs(gen - 2.5e-5) < 2.5e-7, `generator moved ${gen}, expected 1e-4 x 0.25`);
  assert.deepEqual(
    [b.config.hyper.lrGenerator, b.config.hyper.lrCritic, b.config.hyper.warmupSteps],
    [1e-4, 8e-4, 4],
    'the levers are stored in the checkpoint',
  );
});

test('a run with every lever resumes bit-identically, keeping the levers from its checkpoint', async () => {
  const levers: Partial<Hyper> = {
    lrGenerator: 1e-4,
    lrCritic: 3e-4,
    beta1: 0,
    warmupSteps: 2,
    decaySteps: 6,
    lrFloor: 0.3,
    balanced: true,
    lambda: 5,
    nCritic: 2,
    emaDecay: 0.9,
    mismatch: 0.5,
  };
  const straight = tmp('straight');
  const logs: string[] = [];
  await train(base(straight, levers, { steps: 7, log: (m) => logs.push(m) }));
  const split = tmp('split');
  await train(base(split, levers, { steps: 3 }));
  // The resume passes the plain hyper: what runs must be the checkpoint's recipe, not this.
  await train(base(split, {}, { steps: 7, resume: split }));
  const [a, b] = [await readCheckpoint(straight), await readCheckpoint(split)];
  assert.deepEqual(b.config.hyper, a.config.hyper);
  for (const [k, t] of Object.entries(a.tensors))
    assert.deepEqual(b.tensors[k].data, t.data, `${k} differs after resume`);
  const pick = (m: Awaited<ReturnType<typeof readMetrics>>) =>
    m.map((x) => [x.step, x.real_score, x.fake_score, x.penalty, x.generator_score]);
  assert.deepEqual(
    pick(await readMetrics(path.join(split, 'metrics.jsonl'))),
    pick(await readMetrics(path.join(straight, 'metrics.jsonl'))),
  );
  // And the recipe is in the run's log.
  assert.ok(
    logs.includes(`recipe: ${describeRecipe(a.config.hyper)}`) &&
      /lr G 0.0001 \/ D 0.0003, warm-up 2, decay to 0.3x at 6/.test(describeRecipe(a.config.hyper)),
    logs.join('\n'),
  );
  assert.match(
    describeRecipe(a.config.hyper),
    /Adam \(0, 0.9\), lambda 5, nCritic 2, batch 16, ema 0.9, class-balanced batches, matching-aware critic 0.5/,
  );
});

test('class-balanced batches smaller than the class count are refused before any worker starts', async () => {
  const out = tmp('balanced-small');
  await assert.rejects(
    train(base(out, { balanced: true, batchSize: 8 }, { steps: 1 })),
    /--batch-size 8 is below the 10 classes/,
  );
  await assert.rejects(readCheckpoint(out), /no checkpoint/);
  // The run directory is made after the workers start: its absence shows the check came first.
  assert.equal(existsSync(path.join(out, 'samples')), false);
});

test('`cgan train` rejects a decay that ends inside the warm-up, with exit code 2', async () => {
  const r = await runCgan([
    'train',
    '--steps',
    '5',
    '--limit',
    '64',
    '--warmup-steps',
    '100',
    '--decay-steps',
    '50',
    '--out',
    tmp('bad'),
  ]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--decay-steps 50 must be after the warm-up \(--warmup-steps 100\)/);
});

// At 1 the critic would never see a fake; 0.9 is the cap (docs/training.md).
test('`cgan train` rejects a matching-aware fraction above 0.9, with exit code 2', async () => {
  const r = await runCgan(['train', '--steps', '5', '--limit', '64', '--mismatch', '1', '--out', tmp('bad-mismatch')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--mismatch must be a number in \[0, 0\.9\], got "1"/);
});

test('the trainer hands the matching-aware stand-ins to the critic: same reals, other fakes', async () => {
  // One critic step from the same seed: the critic's weights and real batch are the same, so the
  // real score must match; with 0.9 of the fakes replaced by real images, the fake score must not.
  const scores = async (h: Partial<Hyper>) => {
    const out = tmp('wiring');
    await train(base(out, h, { steps: 1 }));
    const [m] = await readMetrics(path.join(out, 'metrics.jsonl'));
    return m;
  };
  const [off, on] = [await scores({}), await scores({ mismatch: 0.9 })];
  assert.equal(on.real_score, off.real_score);
  assert.ok(Math.abs(on.fake_score - off.fake_score) > 1e-4, `fake scores ${on.fake_score} and ${off.fake_score}`);
});
