/**
 * The order in which an epoch visits the training examples; the trainer takes batch b as entries
 * [b * B, (b + 1) * B). A plain shuffle by default. Class-balanced (`Hyper.balanced`): every batch
 * holds floor(B / C) examples of each class and the B mod C spare places rotate over the classes
 * from batch to batch, so a batch of 64 never has, say, three 5s and ten 1s (a plain shuffle's
 * per-class count varies by about +-2.4 at B = 64, C = 10), and rare classes are drawn as often as
 * common ones (each class's examples are cycled, so the rarer ones repeat within an epoch).
 *
 * The order is a pure function of the RNG state at the epoch's start, which the checkpoint stores,
 * so a resumed run regenerates it exactly.
 */
import type { Rng } from '../runtime/random.ts';

export interface OrderOptions {
  /** Labels of the dataset's examples, 0..numClasses-1. */
  labels: ArrayLike<number>;
  numClasses: number;
  batchSize: number;
  balanced?: boolean;
}

/** Why class-balanced batches cannot be drawn from these labels at this batch size, or undefined. */
export function balanceProblem(labels: ArrayLike<number>, numClasses: number, batchSize: number): string | undefined {
  if (batchSize < numClasses) {
    return (
      `class-balanced batches need at least one example per class: ` +
      `--batch-size ${batchSize} is below the ${numClasses} classes; ` +
      `use --batch-size ${numClasses} or more, or a plain shuffle (--no-balanced)`
    );
  }
  const seen = new Uint8Array(numClasses);
  for (let i = 0; i < labels.length; i++) seen[labels[i]] = 1;
  const empty = seen.indexOf(0);
  return empty >= 0
    ? `class-balanced batches: class ${empty} has no examples in the training data; ` +
        'add some, or draw a plain shuffle (--no-balanced)'
    : undefined;
}

/** The epoch's visiting order: a permutation of all examples, or (balanced) stepsPerEpoch x B indices. */
export function epochOrder(rng: Rng, o: OrderOptions): Uint32Array {
  const n = o.labels.length;
  // Unbalanced consumes the RNG exactly as the trainer always has: old runs resume bit-identically.
  if (!o.balanced) return rng.permutation(n);
  const C = o.numClasses;
  const B = o.batchSize;
  const problem = balanceProblem(o.labels, C, B);
  if (problem) throw new Error(problem);
  const byClass: number[][] = Array.from({ length: C }, () => []);
  for (let i = 0; i < n; i++) byClass[o.labels[i]].push(i);
  // Each class's examples in a random order, visited cyclically.
  const lists = byClass.map((idx) => Array.from(rng.permutation(idx.length), (j) => idx[j]));
  const next = new Array<number>(C).fill(0);
  const steps = Math.floor(n / B);
  const base = Math.floor(B / C);
  const extra = B % C;
  const out = new Uint32Array(steps * B);
  const batch = new Uint32Array(B);
  for (let b = 0; b < steps; b++) {
    let k = 0;
    for (let c = 0; c < C; c++) {
      // Spare places go to classes (b * extra + j) mod C, j < extra: every class gets its share over C batches.
      const spare = (c - ((b * extra) % C) + C) % C < extra ? 1 : 0;
      for (let j = 0; j < base + spare; j++) {
        const list = lists[c];
        batch[k++] = list[next[c] % list.length];
        next[c] += 1;
      }
    }
    // Shuffle within the batch so data-parallel shards each see a mix of classes.
    const p = rng.permutation(B);
    for (let j = 0; j < B; j++) out[b * B + j] = batch[p[j]];
  }
  return out;
}

/** Where a resumed run is in its epoch: batches taken at the checkpoint's batch size. */
export interface EpochPosition {
  /** Critic steps done. */
  step: number;
  batchInEpoch: number;
  /** Batches per epoch at the checkpoint's batch size. */
  stepsPerEpoch: number;
}

/**
 * The batch index at which a run resumed with another batch size continues its current epoch, or
 * why it cannot continue there. A plain shuffle's order does not depend on the batch size, so the
 * position carries over as the examples already taken, provided they fill whole batches of the new
 * size (otherwise the epoch would skip or repeat examples). A balanced order is built for one batch
 * size, so that change waits for an epoch boundary. Either way the fix named is how many more steps
 * to train at the old size first.
 */
export function rebatch(
  at: EpochPosition,
  from: number,
  to: number,
  balanced: boolean | undefined,
): { batchInEpoch: number } | { problem: string } {
  if (at.batchInEpoch === 0) return { batchInEpoch: 0 };
  const toBoundary = at.stepsPerEpoch - at.batchInEpoch;
  let wait = toBoundary;
  if (!balanced) {
    const taken = at.batchInEpoch * from;
    if (taken % to === 0) return { batchInEpoch: taken / to };
    // The next batch count b at which b * from is a multiple of `to`.
    const period = to / gcd(from, to);
    wait = Math.min(toBoundary, (period - (at.batchInEpoch % period)) % period);
  }
  const where = balanced
    ? 'class-balanced batches are drawn for one batch size, so it can change only at an epoch boundary'
    : `the epoch's ${at.batchInEpoch * from} examples taken so far are not whole batches of ${to}`;
  return {
    problem:
      `cannot change --batch-size ${from} -> ${to} here: ${where}; ` +
      `resume at batch ${from} to step ${at.step + wait} first (--steps ${at.step + wait}), then change it`,
  };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
