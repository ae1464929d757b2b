import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { QualityPoint } from '../eval/quality-curve.ts';
import { PRESETS } from '../cli/train-command.ts';
import { pilotRows, pilotSpec } from './pilot-chart.ts';
import {
  costKey,
  findRecipe,
  PILOT_RECIPES,
  pilotHyper,
  planPilot,
  quietSeconds,
  type StepTimes,
} from './pilot-recipes.ts';

const times: StepTimes = {
  baseline: 'nCritic 5, batch 64',
  measured: {
    'nCritic 5, batch 64': 0.5,
    'nCritic 2, batch 64': 0.75,
    'nCritic 1, batch 64': 1.1,
    'nCritic 5, batch 32': 0.3,
    'nCritic 5, batch 16': 0.2,
  },
};
const opts = { baseSteps: 1500, points: 6, baseStepSeconds: 0.459 };

test('equal compute: a dearer step gets fewer steps, and every scored point lands at the same minutes', () => {
  const base = planPilot(findRecipe('wgan-gp'), times, opts);
  assert.deepEqual([base.ratio, base.every, base.totalSteps, base.stepSeconds], [1, 250, 1500, 0.459]);
  const nc2 = planPilot(findRecipe('nc2'), times, opts);
  assert.deepEqual([nc2.every, nc2.totalSteps], [167, 1002]);
  assert.ok(Math.abs(nc2.stepSeconds - 1.5 * 0.459) < 1e-12);
  for (const p of [
    nc2,
    planPilot(findRecipe('ttur-nc1'), times, opts),
    planPilot(findRecipe('batch32'), times, opts),
  ]) {
    const minutes = (p.totalSteps * p.stepSeconds) / 60;
    // Within half of the recipe's own step per point (each segment's length is rounded) of 11.5 minutes.
    assert.ok(
      Math.abs(minutes - (1500 * 0.459) / 60) <= (opts.points * p.stepSeconds) / 120,
      `${p.recipe}: ${minutes} min`,
    );
  }
});

test("a pilot's hyper: the preset, one lever changed, and a planned decay over the pilot's own length", () => {
  assert.deepEqual(pilotHyper(findRecipe('wgan-gp'), 1500), PRESETS['wgan-gp']);
  assert.deepEqual(pilotHyper(findRecipe('beta1-0'), 1500), { ...PRESETS['wgan-gp'], beta1: 0 });
  assert.equal(pilotHyper(findRecipe('decay'), 1234).decaySteps, 1234);
  // The hour-long pilot is the preset `fast` with its decay planned over the pilot, not the preset's hour.
  const hour = planPilot(findRecipe('hour-lr8-adam0'), times, { ...opts, baseSteps: 7840, points: 8 });
  assert.equal(hour.hyper.decaySteps, hour.totalSteps);
  assert.deepEqual({ ...hour.hyper, decaySteps: PRESETS.fast.decaySteps }, PRESETS.fast);
  assert.equal(costKey(hour.hyper), `nCritic ${PRESETS.fast.nCritic}, batch ${PRESETS.fast.batchSize}`);
  // The recipes that ran under an earlier preset fast pin what it was then, so they stay what they were.
  assert.deepEqual(pilotHyper(findRecipe('hour-bal-lr8'), 100), { ...PRESETS.fast, beta1: 0.5, decaySteps: 100 });
  assert.equal(new Set(PILOT_RECIPES.map((r) => r.name)).size, PILOT_RECIPES.length, 'recipe names are unique');
});

test('a recipe without a measured step time, or an unknown recipe, is an error that says what to run', () => {
  assert.throws(
    () => planPilot(findRecipe('nc2'), { ...times, measured: { 'nCritic 5, batch 64': 0.5 } }, opts),
    /no step time measured for "nCritic 2, batch 64".*time phase/,
  );
  assert.throws(() => findRecipe('nope'), /no pilot recipe "nope"; known: wgan-gp, fast-v1/);
});

test('the figure: one line per recipe, minutes from the planned step time, only the chosen weights', () => {
  const point = (step: number, weights: 'ema' | 'raw', acc: number): QualityPoint => ({
    step,
    epoch: 0,
    seconds: 0,
    samples: 2000,
    accuracy: acc,
    perClass: [acc, acc - 0.2, acc],
    fd: 50,
    referenceFd: 2.5,
    weights,
  });
  const curves = [
    { recipe: 'a', stepSeconds: 0.6, points: [point(200, 'ema', 0.5), point(100, 'ema', 0.4), point(100, 'raw', 0.3)] },
    { recipe: 'b', stepSeconds: 1.2, points: [point(50, 'ema', 0.6)] },
  ];
  const rows = pilotRows(curves, 'ema');
  assert.deepEqual(
    rows.filter((r) => r.panel === 'accuracy').map((r) => [r.recipe, r.step, r.minutes, r.value]),
    [
      ['a', 100, 1, 0.4],
      ['a', 200, 2, 0.5],
      ['b', 50, 1, 0.6],
    ],
  );
  assert.ok(Math.abs(rows.find((r) => r.panel === 'worst' && r.recipe === 'b')!.value - 0.4) < 1e-12);
  assert.equal(pilotRows(curves, 'raw').length, 3, 'one raw point, three metrics');
  const spec = JSON.stringify(pilotSpec(curves, 'ema', 't'));
  assert.ok(
    spec.includes('"datum":5') && spec.includes('"datum":0.97') && spec.includes('weight average'),
    'bars and 2x reference drawn',
  );
});

test("a branch: starts at its parent's point, runs to the parent's minutes, and is drawn on from them", () => {
  const hourTimes: StepTimes = {
    baseline: 'nCritic 5, batch 64',
    measured: { 'nCritic 5, batch 64': 1, 'nCritic 5, batch 16': 0.375 },
    // nCritic 2 at batch 16 has no measured key: its cost comes from batch 16's two step times.
    perBatch: { '16': { critic: 0.2, generator: 0.5 } },
  };
  const hour = { baseSteps: 7840, points: 8, baseStepSeconds: 0.459 };
  const parent = planPilot(findRecipe('hour-b16'), hourTimes, hour);
  assert.deepEqual([parent.every, parent.totalSteps, parent.from], [2613, 20904, undefined]);
  assert.throws(
    () => planPilot(findRecipe('late-b64'), hourTimes, hour),
    /branches from hour-b16: plan \(run\) hour-b16 first/,
  );
  const b64 = planPilot(findRecipe('late-b64'), hourTimes, hour, parent);
  const point = findRecipe('late-b64').from!.point;
  const start = point * parent.every;
  assert.deepEqual(b64.from, { recipe: 'hour-b16', step: start, seconds: start * parent.stepSeconds });
  assert.equal(b64.hyper.batchSize, 64);
  assert.equal(b64.hyper.decaySteps, b64.totalSteps, 'the decay is planned over the whole branched run');
  // 8 - point segments left of the parent's 8; the branch's steps cost 1 / 0.375 of the parent's.
  assert.equal(b64.every, Math.round(parent.every * 0.375));
  assert.equal(b64.totalSteps, start + (8 - point) * b64.every);
  const endMinutes = (p: typeof parent) => quietSeconds(p, p.totalSteps) / 60;
  assert.ok(Math.abs(endMinutes(b64) - endMinutes(parent)) < (8 * b64.stepSeconds) / 60, 'ends at the same minutes');
  const nc2 = planPilot(findRecipe('late-nc2'), hourTimes, hour, parent);
  assert.ok(Math.abs(nc2.ratio - (0.2 + 0.5 / 2)) < 1e-12);
  // In the figure its first point is at the parent's branch-point minutes plus one of its segments.
  const rows = pilotRows([{ recipe: 'late-b64', stepSeconds: b64.stepSeconds, from: b64.from, points: [] }], 'ema');
  assert.equal(rows.length, 0);
  const scored: QualityPoint = {
    step: start + b64.every,
    epoch: 0,
    seconds: 0,
    samples: 2000,
    accuracy: 0.9,
    perClass: [0.9],
    fd: 10,
    referenceFd: 5,
    weights: 'ema',
  };
  const [row] = pilotRows(
    [{ recipe: 'late-b64', stepSeconds: b64.stepSeconds, from: b64.from, points: [scored] }],
    'ema',
  );
  assert.ok(Math.abs(row.minutes - (start * parent.stepSeconds + b64.every * b64.stepSeconds) / 60) < 1e-9);
});
