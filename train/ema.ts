/**
 * An exponential moving average of the generator's weights, updated after every generator step:
 * ema <- decay * ema + (1 - decay) * w. GAN generators oscillate around a good solution while the
 * critic keeps moving; the average sits nearer its centre and draws better samples than the last
 * iterate (Yazici et al. 2019, "The Unusual Effectiveness of Averaging in GAN Training"). It does
 * not feed back into training, so turning it on changes no other number; `cgan export` ships the
 * averaged weights by default.
 *
 * Early in a run the decay is warmed up, min(decay, (1 + t) / (10 + t)) at generator step t (as
 * TensorFlow's ExponentialMovingAverage does with num_updates): at a fixed 0.999 the average of a
 * one-epoch run (~190 generator steps) would still be 83% the random initial weights and draw grey.
 */
import * as tf from '@tensorflow/tfjs';

/** Horizon of ~1,000 generator steps: long enough to smooth oscillations, short enough to follow progress. */
export const DEFAULT_EMA_DECAY = 0.999;
/** Checkpoint tensor name prefix: `ema.generator.dense.kernel` averages `generator.dense.kernel`. */
export const EMA_PREFIX = 'ema.';

/** The decay applied at generator step `t` (1 for the first step). */
export function effectiveDecay(decay: number, t: number): number {
  return Math.min(decay, (1 + t) / (10 + t));
}

/** Whether a checkpoint's tensors hold an average of every one of the given weights. */
export function hasWeightAverage(tensors: Record<string, unknown>, names: readonly string[]): boolean {
  return names.every((n) => tensors[EMA_PREFIX + n] !== undefined);
}

export class WeightAverage {
  readonly avg = new Map<string, tf.Variable>();

  /** Starts the average at the weights' current values (so no bias correction is needed). */
  constructor(
    readonly decay: number,
    readonly vars: Map<string, tf.Variable>,
  ) {
    if (!(decay > 0 && decay < 1)) throw new Error(`EMA decay must be in (0, 1), got ${decay}`);
    for (const [name, w] of vars) this.avg.set(name, tf.variable(w.clone(), false));
  }

  /** Folds in the weights after generator step `t` (counted from the run's start). */
  update(t: number): void {
    const d = effectiveDecay(this.decay, t);
    tf.tidy(() => {
      for (const [name, w] of this.vars) {
        const a = this.avg.get(name)!;
        a.assign(tf.add(tf.mul(a, d), tf.mul(w, 1 - d)));
      }
    });
  }

  /** Restarts the average at the weights' current values (resuming a run saved without one). */
  reset(): void {
    for (const [name, w] of this.vars) this.avg.get(name)!.assign(w);
  }

  dispose(): void {
    for (const t of this.avg.values()) t.dispose();
  }
}
