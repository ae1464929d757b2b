/**
 * The matching-aware critic (`Hyper.mismatch`): a fraction of each batch's fakes is replaced by real
 * images of another class, shown to the critic under the batch's labels. The critic then learns to
 * score "a real 3 labelled 5" low, which a critic that only ever sees real images under their own
 * labels is never asked to do, and the generator, which climbs that critic, is pushed away from
 * images that look like another class. The penalty is unchanged: for each row it interpolates between
 * the real image and whatever stands in the fake's place, under the same label, so the critic is
 * still held 1-Lipschitz in the image along real-to-"fake" segments.
 *
 * What it changes, measured, is in docs/recipe-pilots.md ("A matching-aware finish").
 */
import type { Rng } from '../runtime/random.ts';

/**
 * For each row of a batch: the index of another row whose label differs, to stand in for that row's
 * fake, or -1 to keep the fake. A row is chosen with probability `fraction` (one RNG draw per row, so
 * the choice is reproducible from the checkpointed RNG state); its partner is the nearest following
 * row (cyclically) with another label. A row whose label every other row shares keeps its fake.
 */
export function mismatchRows(labels: ArrayLike<number>, fraction: number, rng: Rng): Int32Array {
  const n = labels.length;
  const out = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    if (rng.uniform() >= fraction) continue;
    for (let k = 1; k < n; k++) {
      const j = (i + k) % n;
      if (labels[j] !== labels[i]) {
        out[i] = j;
        break;
      }
    }
  }
  return out;
}

/**
 * The stand-in images and the per-row mask (1: use the stand-in) for `rows` from mismatchRows, given
 * the batch's real images (n x px). Rows that keep their fake hold zeros.
 */
export function mismatchImages(real: Float32Array, rows: Int32Array): { images: Float32Array; mask: Float32Array } {
  const n = rows.length;
  const px = real.length / n;
  const images = new Float32Array(real.length);
  const mask = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const j = rows[i];
    if (j < 0) continue;
    images.set(real.subarray(j * px, (j + 1) * px), i * px);
    mask[i] = 1;
  }
  return { images, mask };
}
