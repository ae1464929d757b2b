/**
 * `cgan train`'s presets through the real CLI: what a run without --preset trains with (the
 * checkpoint's config is what a resume and `cgan info` read back), that the older presets are
 * unchanged, and that an option typed on the command line beats the preset.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readCheckpoint } from '../train/checkpoint.ts';
import { runCgan } from '../test/run-cgan.ts';
import { DEFAULT_PRESET, PRESETS } from './train-command.ts';

const tmp = (p: string) => mkdtempSync(path.join(os.tmpdir(), `cgan-preset-${p}-`));
// One critic step on one worker: enough for a checkpoint that records the recipe.
const quick = ['train', '--steps', '1', '--limit', '64', '--backend', 'wasm', '--workers', '1'];

test('without --preset a run trains with the default preset, `fast`; wgan-gp and seed stay as they were', async () => {
  assert.equal(DEFAULT_PRESET, 'fast');
  assert.deepEqual(PRESETS['wgan-gp'], {
    lr: 2e-4,
    beta1: 0.5,
    beta2: 0.9,
    eps: 1e-8,
    lambda: 10,
    nCritic: 5,
    batchSize: 64,
    emaDecay: 0.999,
  });
  assert.deepEqual(PRESETS.seed, { ...PRESETS['wgan-gp'], beta1: 0.9, beta2: 0.999 });
  const runs = { default: tmp('default'), 'wgan-gp': tmp('wgan-gp') };
  const [plain, older] = await Promise.all([
    runCgan([...quick, '--out', runs.default]),
    runCgan([...quick, '--preset', 'wgan-gp', '--out', runs['wgan-gp']]),
  ]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(older.code, 0, older.stderr);
  assert.deepEqual((await readCheckpoint(runs.default)).config.hyper, PRESETS.fast);
  assert.deepEqual((await readCheckpoint(runs['wgan-gp'])).config.hyper, PRESETS['wgan-gp']);
  assert.match(
    plain.stdout + plain.stderr,
    /recipe: lr 0\.0008, decay to 0\.1x at 24056, Adam \(0, 0\.9\), lambda 10, nCritic 5, batch 16, ema 0\.995/,
  );
});

test("an option on the command line replaces the preset's value and nothing else", async () => {
  const out = tmp('override');
  const r = await runCgan([...quick, '--decay-steps', '0', '--batch-size', '32', '--no-balanced', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual((await readCheckpoint(out)).config.hyper, {
    ...PRESETS.fast,
    decaySteps: 0,
    batchSize: 32,
    balanced: false,
  });
});
