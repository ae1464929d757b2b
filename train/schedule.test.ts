import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lrAt, lrFactor, peakLr, scheduleProblem } from './schedule.ts';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

test('without warm-up or decay the rate is the peak at every step', () => {
  for (const s of [1, 10, 1e6]) assert.equal(lrFactor({ lr: 2e-4 }, s), 1);
  assert.equal(lrAt({ lr: 2e-4 }, 'critic', 77), 2e-4);
});

test('two time scales: each network has its own peak, the shared lr fills in', () => {
  const h = { lr: 2e-4, lrGenerator: 1e-4, lrCritic: 4e-4 };
  assert.equal(peakLr(h, 'generator'), 1e-4);
  assert.equal(peakLr(h, 'critic'), 4e-4);
  assert.equal(peakLr({ lr: 3e-4, lrCritic: 1e-3 }, 'generator'), 3e-4);
});

test('linear warm-up reaches the peak at warmupSteps', () => {
  const h = { lr: 1e-3, warmupSteps: 100 };
  close(lrFactor(h, 1), 0.01, 'step 1');
  close(lrFactor(h, 50), 0.5, 'step 50');
  close(lrFactor(h, 100), 1, 'step 100');
  close(lrFactor(h, 5000), 1, 'after');
});

test('linear decay from the warm-up end to the floor at decaySteps, then the floor', () => {
  const h = { lr: 1e-3, warmupSteps: 100, decaySteps: 1100, lrFloor: 0.2 };
  close(lrFactor(h, 100), 1, 'warm-up end');
  close(lrFactor(h, 600), 0.6, 'half way');
  close(lrFactor(h, 1100), 0.2, 'end');
  close(lrFactor(h, 9999), 0.2, 'after');
  close(lrAt({ ...h, lrGenerator: 5e-4 }, 'generator', 600), 3e-4, 'generator at half way');
  // The floor defaults to 0.1.
  close(lrFactor({ lr: 1, decaySteps: 1000 }, 1000), 0.1, 'default floor');
  close(lrFactor({ lr: 1, decaySteps: 1000 }, 500), 0.55, 'default floor, half way');
});

test('a decay that ends before the warm-up is reported with both flags', () => {
  assert.match(
    scheduleProblem({ lr: 1, warmupSteps: 500, decaySteps: 400 }) ?? '',
    /--decay-steps 400 must be after the warm-up \(--warmup-steps 500\)/,
  );
  assert.match(scheduleProblem({ lr: 1, lrFloor: 1.5 }) ?? '', /--lr-floor must be in \[0, 1\]/);
  assert.equal(scheduleProblem({ lr: 1, warmupSteps: 10, decaySteps: 11 }), undefined);
});
