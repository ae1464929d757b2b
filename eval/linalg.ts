/**
 * The little dense linear algebra the Frechet distance needs, in float64: feature statistics and
 * the eigen-decomposition of a symmetric matrix (cyclic Jacobi). Matrices are row-major
 * Float64Arrays of n*n. Jacobi is O(n^3) per sweep and converges in under a dozen sweeps; at
 * n = 128 that is a fraction of a second, so no dependency is worth it.
 */

export interface SymmetricEigen {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Eigenvectors as columns: vectors[i * n + k] is component i of the k-th vector. */
  vectors: Float64Array;
  sweeps: number;
}

export function symmetricEigen(a: ArrayLike<number>, n: number, maxSweeps = 100): SymmetricEigen {
  if (a.length !== n * n) throw new Error(`symmetricEigen: expected ${n}x${n} = ${n * n} values, got ${a.length}`);
  const m = Float64Array.from(a);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const x = m[i * n + j];
      const y = m[j * n + i];
      if (!Number.isFinite(x) || Math.abs(x - y) > 1e-9 * (1 + Math.abs(x) + Math.abs(y))) {
        throw new Error(`symmetricEigen: matrix is not symmetric (or not finite) at (${i}, ${j}): ${x} vs ${y}`);
      }
      // Exactly symmetric from here on, so rotations keep it so.
      m[i * n + j] = m[j * n + i] = (x + y) / 2;
    }
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;

  let total = 0;
  for (let i = 0; i < n * n; i++) total += m[i] * m[i];
  let sweeps = 0;
  for (; sweeps < maxSweeps; sweeps++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] * m[p * n + q];
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (apq === 0) continue;
        const app = m[p * n + p];
        const aqq = m[q * n + q];
        // Skip rotations that are below rounding relative to the diagonal (as in Numerical Recipes).
        if (sweeps > 3 && Math.abs(apq) < 1e-18 * (Math.abs(app) + Math.abs(aqq))) {
          m[p * n + q] = m[q * n + p] = 0;
          continue;
        }
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p];
          const akq = m[k * n + q];
          m[k * n + p] = c * akp - s * akq;
          m[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k];
          const aqk = m[q * n + k];
          m[p * n + k] = c * apk - s * aqk;
          m[q * n + k] = s * apk + c * aqk;
        }
        m[p * n + q] = m[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  if (sweeps === maxSweeps) throw new Error(`symmetricEigen: no convergence after ${maxSweeps} sweeps`);

  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => m[x * n + x] - m[y * n + y]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, k) => {
    values[k] = m[src * n + src];
    for (let i = 0; i < n; i++) vectors[i * n + k] = v[i * n + src];
  });
  return { values, vectors, sweeps };
}

/** V diag(f(lambda)) V^T. */
export function applyToEigen(e: SymmetricEigen, n: number, f: (x: number) => number): Float64Array {
  const fv = e.values.map(f);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += e.vectors[i * n + k] * fv[k] * e.vectors[j * n + k];
      out[i * n + j] = out[j * n + i] = s;
    }
  }
  return out;
}

/**
 * Square root of a symmetric positive semi-definite matrix. Eigenvalues that rounding made
 * slightly negative (rank-deficient covariances) are taken as 0.
 */
export function sqrtmSymmetric(a: ArrayLike<number>, n: number): Float64Array {
  return applyToEigen(symmetricEigen(a, n), n, (x) => Math.sqrt(Math.max(x, 0)));
}

export function matmul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += aik * b[k * n + j];
    }
  }
  return out;
}

export function trace(a: Float64Array, n: number): number {
  let t = 0;
  for (let i = 0; i < n; i++) t += a[i * n + i];
  return t;
}
