/**
 * What the training benches share: FLOP estimates of the model at any size (from the layer shapes
 * runtime/generator-contract.ts gives), synthetic batches, and the standard WGAN-GP loop timed the
 * way bench/gpu/torch_reference.py times PyTorch's: mean ms per critic step over the timed steps with
 * the generator step every nCritic-th included, after untimed warm-up steps. Speed does not depend on
 * pixel values, so the images are uniform noise in [-1, 1].
 */
import { Rng } from '../runtime/random.ts';
import { baseSize, deconvLayers } from '../runtime/generator-contract.ts';
import type { ArchConfig } from '../train/model.ts';
import type { CriticBatch, WorkerPool } from '../train/pool.ts';

export interface ModelFlops {
  /** Generator forward, MFLOP per image. */
  gen: number;
  /**
   * Critic forward on the image (the label plane's share of the first conv is made once per step), MFLOP
   * per image.
   */
  critic: number;
  /**
   * A critic step: one generator forward, then forward+backward of the critic on real and fake plus the
   * penalty's double backprop, counted as 12 critic forwards.
   */
  criticStep: number;
  /** A generator step: 3x (generator + critic forward). */
  genStep: number;
}

/** FLOP estimates per image (2 per multiply-add); the seed's 28x28x1 gives 133.5 and 6.83 MFLOP. */
export function modelFlops(a: ArchConfig): ModelFlops {
  const s = a.imageSize;
  const base = baseSize(s);
  const g = a.genChannels;
  const f = a.criticChannels;
  let genMacs = (a.zDim + a.embedDim) * base * base * g;
  // ConvTranspose(k4, s2): every output pixel takes 2x2 of the 4x4 taps from each input channel.
  deconvLayers(s).forEach((_, i) => {
    const side = base * 2 ** (i + 1);
    genMacs += side * side * g * g * 4;
  });
  genMacs += s * s * a.channels * g * 9;
  let criticMacs = 0;
  let side = s;
  let inC = a.channels;
  for (let i = 0; i < deconvLayers(s).length; i++) {
    side /= 2;
    criticMacs += side * side * f * 16 * inC;
    inC = f;
  }
  criticMacs += side * side * f;
  const gen = (2 * genMacs) / 1e6;
  const critic = (2 * criticMacs) / 1e6;
  return { gen, critic, criticStep: gen + 12 * critic, genStep: 3 * (gen + critic) };
}

/** One synthetic critic batch of `batch` images of the architecture's shape, labels cycling. */
export function syntheticBatch(a: ArchConfig, batch: number, seed = 7): CriticBatch {
  const rng = new Rng(seed);
  const px = a.imageSize * a.imageSize * a.channels;
  return {
    real: Float32Array.from({ length: batch * px }, () => rng.uniform() * 2 - 1),
    labels: Int32Array.from({ length: batch }, (_, i) => i % a.numClasses),
    z: rng.fillNormal(new Float32Array(batch * a.zDim)),
    alpha: Float32Array.from({ length: batch }, () => rng.uniform()),
  };
}

export interface LoopTiming {
  /** Mean ms per critic step, generator steps included: what the trainer's step rate is. */
  msPerStep: number;
  /** Mean ms of the critic steps that had no generator step after them. */
  criticMs: number;
  /** Mean ms of the generator steps alone. */
  generatorMs: number;
  steps: number;
}

/**
 * The standard WGAN-GP loop on a worker pool: `warmup` untimed steps, then `steps` timed ones, a
 * generator step after every nCritic-th critic step (the same batch and noise every step, as the
 * PyTorch reference does).
 */
export async function timeLoop(
  pool: WorkerPool,
  a: ArchConfig,
  batch: number,
  opts: { steps: number; warmup: number; nCritic: number },
): Promise<LoopTiming> {
  const data = syntheticBatch(a, batch);
  const one = async (i: number) => {
    const t0 = performance.now();
    await pool.criticStep(data);
    const t1 = performance.now();
    const gen = (i + 1) % opts.nCritic === 0;
    if (gen) await pool.generatorStep(data.labels, data.z);
    return { critic: t1 - t0, total: performance.now() - t0, gen };
  };
  for (let i = 0; i < opts.warmup; i++) await one(i);
  const times = [];
  for (let i = 0; i < opts.steps; i++) times.push(await one(i));
  const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : Number.NaN);
  return {
    msPerStep: mean(times.map((t) => t.total)),
    criticMs: mean(times.filter((t) => !t.gen).map((t) => t.critic)),
    generatorMs: mean(times.filter((t) => t.gen).map((t) => t.total - t.critic)),
    steps: opts.steps,
  };
}
