import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../runtime/random.ts';
import { knnRadii, manifoldScores } from './manifold.ts';
import { forEachDistanceTile, jsDots, points, type Points } from './pairwise.ts';

/** `n` points of `dim` normals times `scale`, shifted by `shift` in every coordinate. */
function gaussian(n: number, dim: number, seed: number, shift = 0, scale = 1): Points {
  const data = new Rng(seed).fillNormal(new Float32Array(n * dim));
  for (let i = 0; i < data.length; i++) data[i] = data[i] * scale + shift;
  return points(data, dim);
}

/** `perCluster` points around each of `clusters` centres 20 apart on the first axis. */
function clusters(clusterIds: number[], perCluster: number, dim: number, seed: number): Points {
  const parts = clusterIds.map((c, i) => {
    const p = gaussian(perCluster, dim, seed + i);
    for (let r = 0; r < perCluster; r++) p.data[r * dim] += 20 * c;
    return p.data;
  });
  const data = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    data.set(p, offset);
    offset += p.length;
  }
  return points(data, dim);
}

function bruteD2(a: Points, i: number, b: Points, j: number): number {
  let s = 0;
  for (let k = 0; k < a.dim; k++) s += (a.data[i * a.dim + k] - b.data[j * b.dim + k]) ** 2;
  return s;
}

test('the blocked product and the tiles give every distance once, at sizes that are not multiples of 4', () => {
  const a = gaussian(11, 13, 1);
  const b = gaussian(7, 13, 2);
  const t = jsDots(a.data, 11, b.data, 7, 13);
  for (let i = 0; i < 11; i++)
    for (let j = 0; j < 7; j++) {
      let s = 0;
      for (let k = 0; k < 13; k++) s += a.data[i * 13 + k] * b.data[j * 13 + k];
      assert.ok(Math.abs(t[i * 7 + j] - s) < 1e-4, `dot ${i},${j}`);
    }
  const seen = new Map<string, number>();
  forEachDistanceTile(
    a,
    b,
    (i0, rows, j0, cols, d2) => {
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < cols; j++) {
          const key = `${i0 + i},${j0 + j}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
          assert.ok(Math.abs(d2[i * cols + j] - bruteD2(a, i0 + i, b, j0 + j)) < 1e-3, key);
        }
    },
    { block: 3 },
  );
  assert.equal(seen.size, 77);
  assert.ok([...seen.values()].every((v) => v === 1));
});

test('k-NN radii match a brute-force search, across tiles', () => {
  const p = gaussian(50, 5, 3);
  for (const k of [1, 3]) {
    const r = knnRadii(p, k, { block: 8 });
    for (let i = 0; i < p.count; i++) {
      const d = Array.from({ length: p.count }, (_, j) => bruteD2(p, i, p, j))
        .filter((_, j) => j !== i)
        .sort((x, y) => x - y);
      assert.ok(Math.abs(r[i] - d[k - 1]) < 1e-3, `point ${i}, k ${k}: ${r[i]} vs ${d[k - 1]}`);
    }
  }
});

test('identical sets: precision = recall = coverage = 1, density = (k + 1) / k', () => {
  const p = gaussian(300, 8, 4);
  for (const k of [3, 5]) {
    const s = manifoldScores(p, p, { k, block: 64 });
    assert.equal(s.precision, 1);
    assert.equal(s.recall, 1);
    assert.equal(s.coverage, 1);
    // Each point lies in its own ball and in those of the k points it is a neighbour of, on average k.
    assert.ok(Math.abs(s.density - (k + 1) / k) < 1e-9, `density ${s.density}`);
  }
});

test('two samples of one distribution: density ~1, coverage ~1 - 2^-k, high precision and recall', () => {
  const s = manifoldScores(gaussian(2000, 2, 5), gaussian(2000, 2, 6), { block: 256 });
  assert.ok(Math.abs(s.density - 1) < 0.08, `density ${s.density}`);
  assert.ok(Math.abs(s.coverage - 0.875) < 0.03, `coverage ${s.coverage}`);
  assert.ok(s.precision > 0.9 && s.recall > 0.9, `precision ${s.precision}, recall ${s.recall}`);
  assert.deepEqual([s.realCount, s.fakeCount, s.k], [2000, 2000, 3]);
});

test('far-apart clouds score 0 on all four', () => {
  const s = manifoldScores(gaussian(200, 16, 7), gaussian(200, 16, 8, 100));
  assert.deepEqual([s.precision, s.recall, s.density, s.coverage], [0, 0, 0, 0]);
});

test('mode collapse: samples of one of ten modes have high precision and low recall and coverage', () => {
  const real = clusters([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 200, 4, 10);
  const fake = clusters([3], 2000, 4, 30);
  const s = manifoldScores(real, fake, { block: 512 });
  assert.ok(s.precision > 0.9, `precision ${s.precision}`);
  assert.ok(s.recall < 0.12, `recall ${s.recall}`);
  assert.ok(s.coverage < 0.11, `coverage ${s.coverage}`);
  // The reverse direction: a generator that covers every mode but adds nine the data lacks.
  const wide = manifoldScores(fake, real, { block: 512 });
  assert.ok(wide.precision < 0.12 && wide.recall > 0.9, `precision ${wide.precision}, recall ${wide.recall}`);
});

test('a real outlier inflates precision but not density', () => {
  const real = gaussian(1000, 2, 11);
  const withOutlier = points(new Float32Array([...real.data, 60, 60]), 2);
  const bad = gaussian(1000, 2, 12, 30); // centred halfway to the outlier, far from the data
  const s = manifoldScores(withOutlier, bad);
  assert.ok(s.precision > 0.99, `precision ${s.precision}`);
  assert.ok(s.density < 0.34, `density ${s.density}`);
  assert.equal(s.coverage, 1 / 1001);
});

test('precomputed real radii give the same scores; too few points for k is an error', () => {
  const real = gaussian(120, 6, 13);
  const fake = gaussian(90, 6, 14, 0.5);
  const once = manifoldScores(real, fake, { k: 4 });
  assert.deepEqual(manifoldScores(real, fake, { k: 4, realRadii: knnRadii(real, 4) }), once);
  assert.throws(() => manifoldScores(real, gaussian(3, 6, 1)), /generated set: 3 points are too few for k = 3/);
  assert.throws(() => knnRadii(real, 0), /k must be a positive integer/);
});

test('the tfjs product gives the same scores as the JavaScript one', async () => {
  const { selectBackend } = await import('../train/backend.ts');
  const { tfDots } = await import('./tf-dots.ts');
  await selectBackend('auto');
  const real = gaussian(700, 32, 15);
  const fake = gaussian(500, 32, 16, 0.2);
  const js = manifoldScores(real, fake, { block: 256 });
  const tf = manifoldScores(real, fake, { block: 256, dots: tfDots });
  for (const key of ['precision', 'recall', 'density', 'coverage'] as const)
    assert.ok(Math.abs(js[key] - tf[key]) <= 2 / 500, `${key}: ${js[key]} vs ${tf[key]}`);
});
