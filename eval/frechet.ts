/**
 * Frechet distance between two sets of feature vectors, each summarised by a Gaussian (mean and
 * covariance), as in FID (Heusel et al. 2017):
 *   d^2 = |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)).
 * Tr((S1 S2)^(1/2)) is computed as Tr((sqrt(S1) S2 sqrt(S1))^(1/2)): the same eigenvalues, but a
 * symmetric PSD matrix, so two symmetric eigen-decompositions replace a general sqrtm.
 * Covariances use the unbiased 1/(n-1) normaliser, as numpy.cov (and pytorch-fid) do.
 */
import { matmul, sqrtmSymmetric, symmetricEigen, trace } from './linalg.ts';

export interface FeatureStats {
  /** Feature dimension. */
  dim: number;
  /** Number of vectors summarised. */
  count: number;
  mean: Float64Array;
  /** dim x dim, row-major. */
  cov: Float64Array;
}

/** Mean and covariance of `count` row vectors of length `dim` stored one after another. */
export function featureStats(features: ArrayLike<number>, dim: number): FeatureStats {
  if (dim < 1 || features.length % dim !== 0)
    throw new Error(`featureStats: ${features.length} values are not a whole number of ${dim}-d vectors`);
  const count = features.length / dim;
  if (count < 2) throw new Error(`featureStats: a covariance needs at least 2 vectors, got ${count}`);
  const mean = new Float64Array(dim);
  for (let r = 0; r < count; r++) for (let j = 0; j < dim; j++) mean[j] += features[r * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= count;
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < dim; j++) row[j] = features[r * dim + j] - mean[j];
    for (let i = 0; i < dim; i++) {
      const x = row[i];
      if (x === 0) continue; // ReLU features are often exactly 0
      for (let j = i; j < dim; j++) cov[i * dim + j] += x * row[j];
    }
  }
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      const c = cov[i * dim + j] / (count - 1);
      cov[i * dim + j] = cov[j * dim + i] = c;
    }
  }
  return { dim, count, mean, cov };
}

export function frechetDistance(a: FeatureStats, b: FeatureStats): number {
  if (a.dim !== b.dim) throw new Error(`frechetDistance: feature dimensions differ (${a.dim} vs ${b.dim})`);
  const n = a.dim;
  let meanTerm = 0;
  for (let i = 0; i < n; i++) meanTerm += (a.mean[i] - b.mean[i]) ** 2;
  const sa = sqrtmSymmetric(a.cov, n);
  const m = matmul(matmul(sa, b.cov, n), sa, n);
  // Rounding leaves m a hair off symmetric; average it with its transpose.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const s = (m[i * n + j] + m[j * n + i]) / 2;
      m[i * n + j] = m[j * n + i] = s;
    }
  }
  let trSqrt = 0;
  for (const x of symmetricEigen(m, n).values) trSqrt += Math.sqrt(Math.max(x, 0));
  const d = meanTerm + trace(a.cov, n) + trace(b.cov, n) - 2 * trSqrt;
  // Equal sets give a tiny negative number from rounding.
  return Math.max(d, 0);
}
