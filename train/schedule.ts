/**
 * The recipe's learning rates: one per network (the two time-scale update rule, Heusel et al. 2017:
 * the critic and the generator may learn at different rates) and one schedule over critic steps, a
 * linear warm-up then a linear decay to a floor at a planned step. A run that knows its length can
 * spend the late steps at a low rate, where the default recipe's generator circles a good solution
 * instead of settling (docs/training.md: the default model's lr drop at step 20,415).
 */
import type { Hyper } from './run-files.ts';

export type Network = 'generator' | 'critic';

/** The schedule's fields of Hyper, all optional: absent means no warm-up and no decay. */
export type LrSchedule = Pick<Hyper, 'lr' | 'lrGenerator' | 'lrCritic' | 'warmupSteps' | 'decaySteps' | 'lrFloor'>;

/** Floor of the decay as a fraction of the peak rate when `lrFloor` is not set. */
export const DEFAULT_LR_FLOOR = 0.1;

/** A network's peak learning rate: its own when set, else the shared `lr`. */
export function peakLr(h: LrSchedule, net: Network): number {
  return (net === 'generator' ? h.lrGenerator : h.lrCritic) ?? h.lr;
}

/**
 * The multiplier on the peak rate for the updates of critic step `step` (1 for the first step; a
 * generator update belongs to the critic step it follows). Warm-up: step / warmupSteps up to 1.
 * Decay (when decaySteps is set): linear from 1 at the end of the warm-up to lrFloor at decaySteps,
 * then lrFloor.
 */
export function lrFactor(h: LrSchedule, step: number): number {
  const warm = h.warmupSteps ?? 0;
  if (step < warm) return step / warm;
  const end = h.decaySteps;
  if (!end) return 1;
  const floor = h.lrFloor ?? DEFAULT_LR_FLOOR;
  const left = Math.max(0, end - step) / (end - warm);
  return floor + (1 - floor) * left;
}

/** A network's learning rate for the updates of critic step `step`. */
export function lrAt(h: LrSchedule, net: Network, step: number): number {
  return peakLr(h, net) * lrFactor(h, step);
}

/** Why a schedule cannot run (for the CLI to report), or undefined when it is consistent. */
export function scheduleProblem(h: LrSchedule): string | undefined {
  const warm = h.warmupSteps ?? 0;
  if (h.decaySteps !== undefined && h.decaySteps > 0 && h.decaySteps <= warm) {
    const why = "the decay runs from the warm-up's end to it";
    return `--decay-steps ${h.decaySteps} must be after the warm-up (--warmup-steps ${warm}): ${why}`;
  }
  if (h.lrFloor !== undefined && !(h.lrFloor >= 0 && h.lrFloor <= 1))
    return `--lr-floor must be in [0, 1], got ${h.lrFloor}`;
  return undefined;
}
