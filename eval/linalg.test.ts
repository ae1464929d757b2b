import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../runtime/random.ts';
import { applyToEigen, matmul, sqrtmSymmetric, symmetricEigen } from './linalg.ts';

function randomSpd(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const b = Float64Array.from(rng.fillNormal(new Float32Array(n * n)));
  const bt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) bt[j * n + i] = b[i * n + j];
  const a = matmul(b, bt, n);
  for (let i = 0; i < n; i++) a[i * n + i] += 0.1;
  return a;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

test('eigen-decomposition of a known 3x3 matrix', () => {
  // [[2,1,0],[1,2,0],[0,0,5]]: eigenvalues 1, 3, 5; (1,-1,0)/sqrt2 belongs to 1.
  const e = symmetricEigen([2, 1, 0, 1, 2, 0, 0, 0, 5], 3);
  assert.ok(maxAbsDiff(e.values, [1, 3, 5]) < 1e-12, `values ${e.values}`);
  const v0 = [e.vectors[0], e.vectors[3], e.vectors[6]];
  assert.ok(
    Math.abs(Math.abs(v0[0]) - Math.SQRT1_2) < 1e-12 && Math.abs(v0[0] + v0[1]) < 1e-12 && Math.abs(v0[2]) < 1e-12,
    `vector ${v0}`,
  );
});

test('eigen-decomposition reconstructs a random 64x64 SPD matrix, with orthonormal vectors', () => {
  const n = 64;
  const a = randomSpd(n, 3);
  const e = symmetricEigen(a, n);
  assert.ok(
    maxAbsDiff(
      applyToEigen(e, n, (x) => x),
      a,
    ) <
      1e-9 * 64,
  );
  assert.ok(
    maxAbsDiff(
      applyToEigen(e, n, () => 1),
      Float64Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0)),
    ) < 1e-12,
  );
  for (let k = 1; k < n; k++) assert.ok(e.values[k] >= e.values[k - 1]);
  assert.ok(e.sweeps < 20, `${e.sweeps} sweeps`);
});

test('sqrtm of a known matrix, and of a random SPD one squares back', () => {
  // [[5,4],[4,5]] = sqrt^2 of [[2,1],[1,2]].
  assert.ok(maxAbsDiff(sqrtmSymmetric([5, 4, 4, 5], 2), [2, 1, 1, 2]) < 1e-12);
  const n = 32;
  const a = randomSpd(n, 9);
  const s = sqrtmSymmetric(a, n);
  assert.ok(maxAbsDiff(matmul(s, s, n), a) < 1e-9 * 32);
  // A PSD matrix of rank 1 (rounding gives tiny negative eigenvalues): sqrt of [[1,1],[1,1]] is itself / sqrt2.
  assert.ok(
    maxAbsDiff(sqrtmSymmetric([1, 1, 1, 1], 2), [Math.SQRT1_2, Math.SQRT1_2, Math.SQRT1_2, Math.SQRT1_2]) < 1e-12,
  );
});

test('rejects a non-symmetric or wrongly sized matrix', () => {
  assert.throws(() => symmetricEigen([1, 2, 3, 4], 2), /not symmetric/);
  assert.throws(() => symmetricEigen([1, 2, 3], 2), /expected 2x2/);
});
