/**
 * Precision and recall (Kynkaanniemi et al. 2019) and density and coverage (Naeem et al. 2020) of
 * a generated set against a real one, over feature vectors. Each set's manifold is the union of
 * balls around its points, each ball reaching the point's k-th nearest neighbour in its own set:
 *
 *   precision = share of fake points inside the real manifold       (fidelity: are samples real-looking?)
 *   recall    = share of real points inside the fake manifold       (diversity: is all of the data drawn?)
 *   density   = (1 / kN) sum over fake points of how many real balls hold it   (~1 for a match; robust
 *               to real outliers, whose big balls precision counts at full weight)
 *   coverage  = share of real points whose own ball holds a fake point        (recall without the fake
 *               balls, which a fake outlier inflates)
 *
 * Distances are squared Euclidean (the balls are the same); a point is inside a ball on its edge.
 * Pure functions over Float32Array matrices; the distance product is pluggable (eval/pairwise.ts).
 */
import { forEachDistanceTile, type Points, type TileOptions } from './pairwise.ts';

export interface ManifoldScores {
  k: number;
  precision: number;
  recall: number;
  density: number;
  coverage: number;
  realCount: number;
  fakeCount: number;
}

export interface ManifoldOptions extends TileOptions {
  /** Nearest neighbour that sets a ball's radius (default 3, as Kynkaanniemi et al.). */
  k?: number;
  /** `knnRadii(real, k)`, when computed earlier (it is the same for every generated set). */
  realRadii?: Float64Array;
}

export const DEFAULT_K = 3;

function checkK(p: Points, k: number, what: string): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  if (p.count <= k) throw new RangeError(`${what}: ${p.count} points are too few for k = ${k} nearest neighbours`);
}

/** Squared distance from every point to its k-th nearest other point of the same set. */
export function knnRadii(p: Points, k = DEFAULT_K, o: TileOptions = {}): Float64Array {
  checkK(p, k, 'knnRadii');
  // The k smallest squared distances of each row so far, ascending.
  const best = new Float64Array(p.count * k).fill(Infinity);
  const offer = (row: number, v: number) => {
    const base = row * k;
    if (v >= best[base + k - 1]) return;
    let s = base + k - 1;
    while (s > base && best[s - 1] > v) {
      best[s] = best[s - 1];
      s--;
    }
    best[s] = v;
  };
  forEachDistanceTile(
    p,
    p,
    (i0, rows, j0, cols, d2) => {
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const a = i0 + i;
          const b = j0 + j;
          // Tiles on the diagonal hold each pair twice and each point with itself; others once.
          if (i0 === j0 && b <= a) continue;
          offer(a, d2[i * cols + j]);
          offer(b, d2[i * cols + j]);
        }
      }
    },
    { ...o, symmetric: true },
  );
  const r = new Float64Array(p.count);
  for (let i = 0; i < p.count; i++) r[i] = best[i * k + k - 1];
  return r;
}

/** The four scores of `fake` against `real`; both sets need more than k points. */
export function manifoldScores(real: Points, fake: Points, o: ManifoldOptions = {}): ManifoldScores {
  const k = o.k ?? DEFAULT_K;
  checkK(real, k, 'real set');
  checkK(fake, k, 'generated set');
  const rReal = o.realRadii ?? knnRadii(real, k, o);
  if (rReal.length !== real.count)
    throw new Error(`manifoldScores: ${rReal.length} real radii for ${real.count} real points`);
  const rFake = knnRadii(fake, k, o);
  const inReal = new Uint8Array(fake.count); // fake point j inside some real ball
  const inFake = new Uint8Array(real.count); // real point i inside some fake ball
  const covered = new Uint8Array(real.count); // real point i's own ball holds a fake point
  let ballsHolding = 0;
  forEachDistanceTile(
    fake,
    real,
    (j0, rows, i0, cols, d2) => {
      for (let j = 0; j < rows; j++) {
        const rf = rFake[j0 + j];
        for (let i = 0; i < cols; i++) {
          const v = d2[j * cols + i];
          if (v <= rReal[i0 + i]) {
            inReal[j0 + j] = 1;
            covered[i0 + i] = 1;
            ballsHolding++;
          }
          if (v <= rf) inFake[i0 + i] = 1;
        }
      }
    },
    o,
  );
  return {
    k,
    precision: mean(inReal),
    recall: mean(inFake),
    density: ballsHolding / (k * fake.count),
    coverage: mean(covered),
    realCount: real.count,
    fakeCount: fake.count,
  };
}

function mean(flags: Uint8Array): number {
  let s = 0;
  for (const f of flags) s += f;
  return s / flags.length;
}
