/**
 * The run's file names and the recipe's hyperparameter type: what the CLI needs to parse `cgan train`'s flags
 * before the training package (tfjs) loads. Nothing here imports a package, so the inference CLI compiles and runs
 * it without the training stack (docs/packages.md).
 */
import path from 'node:path';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';

export interface Hyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Gradient penalty weight. */
  lambda: number;
  /** Critic steps per generator step. */
  nCritic: number;
  batchSize: number;
  /**
   * Decay of the generator weight average (train/ema.ts); 0 turns it off. Absent in checkpoints
   * written before it existed: those runs start averaging (at the default decay) when resumed.
   */
  emaDecay?: number;
  // The recipe's levers below (train/schedule.ts, train/batches.ts) are optional so that checkpoints
  // written before they existed resume unchanged: absent means the behaviour of that time.
  /** The generator's Adam learning rate; absent: `lr`. */
  lrGenerator?: number;
  /** The critic's Adam learning rate; absent: `lr`. */
  lrCritic?: number;
  /** Linear warm-up of both rates over this many critic steps; absent or 0: none. */
  warmupSteps?: number;
  /** Critic step at which a linear decay (from the warm-up's end) reaches `lrFloor`; absent or 0: no decay. */
  decaySteps?: number;
  /** The decay's floor as a fraction of the peak rates; absent: 0.1. */
  lrFloor?: number;
  /** Every batch holds each class equally often (train/batches.ts); absent or false: a plain shuffle. */
  balanced?: boolean;
  /**
   * Fraction of each batch's fakes replaced by real images of another class under the batch's labels
   * (the matching-aware critic, train/mismatch.ts); absent or 0: none.
   */
  mismatch?: number;
}

/** Resolves a run directory or a checkpoint file path to the checkpoint file. */
export function checkpointPath(runOrFile: string): string {
  return runOrFile.endsWith('.safetensors') ? runOrFile : path.join(runOrFile, CHECKPOINT_FILE);
}

/** The run directory of a run directory or of a checkpoint file in it. */
export function runDir(runOrFile: string): string {
  return runOrFile.endsWith('.safetensors') ? path.dirname(runOrFile) : runOrFile;
}
