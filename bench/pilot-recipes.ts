/**
 * The recipes the pilot harness (bench/recipe-pilots.ts) compares, and the arithmetic that makes the
 * comparison fair: every recipe gets the same compute, so a recipe whose step costs more (more
 * generator steps per critic step, a bigger batch) gets fewer critic steps.
 *
 * Each pilot changes one lever of the earlier default preset `wgan-gp` (the baseline), except `fast-v1`,
 * the first candidate, which combined several, and `hour-b32`, the hour-long run of what became the
 * default preset `fast`. `decaySteps: 'planned'` means "decay over the pilot's own length".
 */
import type { Hyper } from '../train/checkpoint.ts';
import { PRESETS, type PresetName } from '../cli/train-command.ts';

export interface PilotRecipe {
  name: string;
  preset: PresetName;
  /** Changes to the preset; `decaySteps: 'planned'` is the pilot's total steps. */
  set?: Omit<Partial<Hyper>, 'decaySteps'> & { decaySteps?: number | 'planned' };
  /** What it tests, for the write-up. */
  what: string;
}

/** In the order they run: the default first, then the candidate, then one lever at a time. */
export const PILOT_RECIPES: PilotRecipe[] = [
  { name: 'wgan-gp', preset: 'wgan-gp', what: 'the default recipe (baseline)' },
  {
    name: 'fast-v1',
    preset: 'wgan-gp',
    set: { lrGenerator: 2e-4, lrCritic: 4e-4, beta1: 0, nCritic: 2, decaySteps: 'planned', lrFloor: 0.1 },
    what: 'the first candidate: Adam (0, 0.9), critic lr 4e-4 / generator 2e-4, nCritic 2, decay over the run',
  },
  {
    name: 'ttur-nc1',
    preset: 'wgan-gp',
    set: { nCritic: 1, lrGenerator: 1e-4, lrCritic: 4e-4 },
    what: 'two time-scale rule (G 1e-4, D 4e-4) with one critic step per generator step',
  },
  { name: 'nc2', preset: 'wgan-gp', set: { nCritic: 2 }, what: '2 critic steps per generator step' },
  { name: 'beta1-0', preset: 'wgan-gp', set: { beta1: 0 }, what: 'Adam betas (0, 0.9)' },
  { name: 'decay', preset: 'wgan-gp', set: { decaySteps: 'planned' }, what: 'linear lr decay to 0.1x over the run' },
  { name: 'balanced', preset: 'wgan-gp', set: { balanced: true }, what: 'class-balanced batches' },
  { name: 'lambda5', preset: 'wgan-gp', set: { lambda: 5 }, what: 'gradient penalty weight 5' },
  { name: 'batch32', preset: 'wgan-gp', set: { batchSize: 32 }, what: 'batch 32 (cheaper steps, noisier gradients)' },
  // The hour-long run (--base-steps 7840, the baseline's 60 quiet minutes) of the preset `fast`: the
  // baseline's critic ratio and betas, which led on accuracy in the short pilots, with the cheaper batch,
  // a higher peak rate decayed over the hour, and a weight average short enough not to lag a short run.
  {
    name: 'hour-b32',
    preset: 'fast',
    set: { decaySteps: 'planned' },
    what: 'preset fast: batch 32, lr 3e-4 decayed to 0.1x over the run, weight average 0.995',
  },
  {
    name: 'hour-b16',
    preset: 'fast',
    set: { batchSize: 16, decaySteps: 'planned' },
    what: 'preset fast at batch 16: twice the updates again, if the step cost halves again',
  },
];

export function findRecipe(name: string): PilotRecipe {
  const r = PILOT_RECIPES.find((x) => x.name === name);
  if (!r)
    throw new Error(`no pilot recipe ${JSON.stringify(name)}; known: ${PILOT_RECIPES.map((x) => x.name).join(', ')}`);
  return r;
}

/** The recipe's Hyper for a pilot of `totalSteps` critic steps. */
export function pilotHyper(r: PilotRecipe, totalSteps: number): Hyper {
  const { decaySteps, ...rest } = r.set ?? {};
  const h: Hyper = { ...PRESETS[r.preset], ...rest };
  const decay = decaySteps === 'planned' ? totalSteps : (decaySteps ?? h.decaySteps);
  return decay === undefined ? h : { ...h, decaySteps: decay };
}

/**
 * What sets a step's cost: critic steps per generator step and the batch size (the other levers
 * change numbers, not work). Recipes with the same key share one step-time measurement.
 */
export function costKey(h: Pick<Hyper, 'nCritic' | 'batchSize'>): string {
  return `nCritic ${h.nCritic}, batch ${h.batchSize}`;
}

export interface StepTimes {
  /** Mean seconds per critic step (generator steps included) by cost key, measured in one run. */
  measured: Record<string, number>;
  /** The cost key of the baseline the ratios are taken against. */
  baseline: string;
}

export interface PilotPlan {
  recipe: string;
  hyper: Hyper;
  /** This recipe's step time over the baseline's, measured in the same run. */
  ratio: number;
  /** Seconds per critic step on a quiet machine: ratio x the baseline's quiet step time. */
  stepSeconds: number;
  /** Critic steps between scored checkpoints. */
  every: number;
  totalSteps: number;
}

/**
 * Equal compute: the baseline runs `baseSteps` critic steps in `points` segments; another recipe runs
 * as many of its own steps as fit the same time, so its i-th scored point falls at the baseline's
 * i-th point's minutes (to within half a step per point, from rounding).
 */
export function planPilot(
  r: PilotRecipe,
  times: StepTimes,
  o: { baseSteps: number; points: number; baseStepSeconds: number },
): PilotPlan {
  const probe = pilotHyper(r, o.baseSteps);
  const key = costKey(probe);
  const t = times.measured[key];
  const t0 = times.measured[times.baseline];
  if (t === undefined || t0 === undefined) {
    throw new Error(
      `no step time measured for "${key}"${t0 === undefined ? ` or the baseline "${times.baseline}"` : ''}: ` +
        "run the harness's time phase first",
    );
  }
  const ratio = t / t0;
  const every = Math.max(1, Math.round(o.baseSteps / o.points / ratio));
  const totalSteps = every * o.points;
  return {
    recipe: r.name,
    hyper: pilotHyper(r, totalSteps),
    ratio,
    stepSeconds: ratio * o.baseStepSeconds,
    every,
    totalSteps,
  };
}
