import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../runtime/random.ts';
import { featureStats, frechetDistance, type FeatureStats } from './frechet.ts';

const stats = (mean: number[], cov: number[]): FeatureStats => ({
  dim: mean.length,
  count: 100,
  mean: Float64Array.from(mean),
  cov: Float64Array.from(cov),
});

function gaussianSamples(count: number, dim: number, seed: number): Float32Array {
  // Correlated features: x_j = z_j + 0.5 z_{j+1}, scaled by (1 + j/dim).
  const z = new Rng(seed).fillNormal(new Float32Array(count * (dim + 1)));
  const out = new Float32Array(count * dim);
  for (let r = 0; r < count; r++)
    for (let j = 0; j < dim; j++)
      out[r * dim + j] = (z[r * (dim + 1) + j] + 0.5 * z[r * (dim + 1) + j + 1]) * (1 + j / dim);
  return out;
}

test('mean and unbiased covariance of a small set', () => {
  const s = featureStats([1, 2, 3, 6, 5, 10], 2);
  assert.deepEqual([...s.mean], [3, 6]);
  assert.deepEqual([...s.cov], [4, 8, 8, 16]);
  assert.equal(s.count, 3);
  assert.throws(() => featureStats([1, 2, 3], 2), /whole number/);
  assert.throws(() => featureStats([1, 2], 2), /at least 2/);
});

test('a set against itself is ~0', () => {
  const s = featureStats(gaussianSamples(2000, 128, 1), 128);
  assert.ok(frechetDistance(s, s) < 1e-6, String(frechetDistance(s, s)));
});

test('shifted samples (same covariance) give |shift|^2', () => {
  const dim = 32;
  const a = gaussianSamples(1000, dim, 2);
  const b = a.map((x, i) => x + (i % dim) * 0.1);
  let want = 0;
  for (let j = 0; j < dim; j++) want += (j * 0.1) ** 2;
  const d = frechetDistance(featureStats(a, dim), featureStats(b, dim));
  assert.ok(Math.abs(d - want) < 1e-6 * want, `${d} vs ${want}`);
});

test('closed forms: diagonal covariances, and 2x2 non-commuting covariances', () => {
  // Diagonal: |dmu|^2 + sum (sqrt(a_i) - sqrt(b_i))^2.
  const d1 = frechetDistance(
    stats([0, 0, 0], [1, 0, 0, 0, 4, 0, 0, 0, 9]),
    stats([1, 2, 0], [4, 0, 0, 0, 1, 0, 0, 0, 9]),
  );
  assert.ok(Math.abs(d1 - (1 + 4 + 1 + 1 + 0)) < 1e-12, String(d1));
  // 2x2: Tr sqrt(S1 S2) = sqrt(tr(S1 S2) + 2 sqrt(det S1 det S2)).
  const s1 = [2, 1, 1, 3];
  const s2 = [1, -0.5, -0.5, 2];
  const trProd = s1[0] * s2[0] + s1[1] * s2[2] + s1[2] * s2[1] + s1[3] * s2[3];
  const det = (m: number[]) => m[0] * m[3] - m[1] * m[2];
  const want = 0.25 + 5 + 3 - 2 * Math.sqrt(trProd + 2 * Math.sqrt(det(s1) * det(s2)));
  const d2 = frechetDistance(stats([0, 0], s1), stats([0.5, 0], s2));
  assert.ok(Math.abs(d2 - want) < 1e-12, `${d2} vs ${want}`);
  assert.throws(() => frechetDistance(stats([0], [1]), stats([0, 0], [1, 0, 0, 1])), /dimensions differ/);
});

test('independent samples of one Gaussian are close; of a scaled one, far', () => {
  const dim = 16;
  const a = featureStats(gaussianSamples(4000, dim, 5), dim);
  const b = featureStats(gaussianSamples(4000, dim, 6), dim);
  const c = featureStats(
    gaussianSamples(4000, dim, 7).map((x) => 2 * x),
    dim,
  );
  const same = frechetDistance(a, b);
  const far = frechetDistance(a, c);
  assert.ok(same < 0.1, String(same));
  assert.ok(far > 10, String(far));
});
