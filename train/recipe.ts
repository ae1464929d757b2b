/** A run's recipe (its Hyper) in one line for the log, and the checks a combination of levers must pass. */
import type { Hyper } from './run-files.ts';
import { balanceProblem } from './batches.ts';
import { DEFAULT_LR_FLOOR, peakLr, scheduleProblem } from './schedule.ts';

/**
 * E.g. `lr G 1e-4 / D 4e-4, warm-up 100, decay to 0.1x at 6000, Adam (0, 0.9), lambda 10, nCritic 2,
 * batch 64, ema 0.999, class-balanced batches, matching-aware critic 0.25`.
 */
export function describeRecipe(h: Hyper): string {
  const g = peakLr(h, 'generator');
  const d = peakLr(h, 'critic');
  const parts = [g === d ? `lr ${g}` : `lr G ${g} / D ${d}`];
  if (h.warmupSteps) parts.push(`warm-up ${h.warmupSteps}`);
  if (h.decaySteps) parts.push(`decay to ${h.lrFloor ?? DEFAULT_LR_FLOOR}x at ${h.decaySteps}`);
  parts.push(`Adam (${h.beta1}, ${h.beta2})`, `lambda ${h.lambda}`, `nCritic ${h.nCritic}`, `batch ${h.batchSize}`);
  parts.push(`ema ${h.emaDecay ?? 'default'}`);
  if (h.balanced) parts.push('class-balanced batches');
  if (h.mismatch) parts.push(`matching-aware critic ${h.mismatch}`);
  return parts.join(', ');
}

/**
 * Why this recipe cannot run (on this dataset, when its labels are given), or undefined. Checked
 * before any worker starts, so a bad combination costs nothing and leaves no thread behind.
 */
export function recipeProblem(h: Hyper, data?: { labels: ArrayLike<number>; numClasses: number }): string | undefined {
  const schedule = scheduleProblem(h);
  if (schedule || !h.balanced || !data) return schedule;
  return balanceProblem(data.labels, data.numClasses, h.batchSize);
}
