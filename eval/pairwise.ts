/**
 * Squared Euclidean distances between the rows of two feature matrices, tile by tile, as
 * |a|^2 + |b|^2 - 2 a.b: the a.b part is one matrix product per tile, which is where the time
 * goes (10,000 x 10,000 points of 128-d is 25.6 GFLOP). The product is pluggable: `jsDots`
 * (pure JavaScript, 4x4 register-blocked) is the default, and a caller that has a faster one
 * (eval/tf-dots.ts, tfjs wasm) passes it. Tiles keep memory at block x block floats, never n x n.
 */

/** `count` points of `dim` features, row-major. */
export interface Points {
  data: Float32Array;
  count: number;
  dim: number;
}

/** A B^T for row-major A [aRows, dim] and B [bRows, dim]: [aRows, bRows], row-major. */
export type DotProducts = (a: Float32Array, aRows: number, b: Float32Array, bRows: number, dim: number) => Float32Array;

/** Called once per tile with the squared distances of rows i0.. of A to rows j0.. of B, `rows` x `cols`. */
export type TileVisitor = (i0: number, rows: number, j0: number, cols: number, d2: Float32Array) => void;

export interface TileOptions {
  dots?: DotProducts;
  /** Tile side (default 1024: a 4 MiB tile, and a B block that stays in cache). */
  block?: number;
}

export function points(data: Float32Array, dim: number): Points {
  if (!Number.isInteger(dim) || dim < 1 || data.length % dim !== 0)
    throw new Error(`points: ${data.length} values are not a whole number of ${dim}-d vectors`);
  return { data, count: data.length / dim, dim };
}

/** Dot products of 4 rows of A with 4 rows of B at a time, so each load feeds four multiply-adds. */
export const jsDots: DotProducts = (a, aRows, b, bRows, dim) => {
  const out = new Float32Array(aRows * bRows);
  const i4 = aRows - (aRows % 4);
  const j4 = bRows - (bRows % 4);
  for (let i = 0; i < i4; i += 4) {
    for (let j = 0; j < j4; j += 4) dots4x4(a, i * dim, b, j * dim, dim, out, i * bRows + j, bRows);
    for (let j = j4; j < bRows; j++) for (let r = i; r < i + 4; r++) out[r * bRows + j] = dot(a, r, b, j, dim);
  }
  for (let i = i4; i < aRows; i++) for (let j = 0; j < bRows; j++) out[i * bRows + j] = dot(a, i, b, j, dim);
  return out;
};

function dot(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  let s = 0;
  const ai = i * dim;
  const bj = j * dim;
  for (let k = 0; k < dim; k++) s += a[ai + k] * b[bj + k];
  return s;
}

// biome-ignore format: sixteen accumulators read best as the 4x4 grid they are
function dots4x4(
  a: Float32Array, r0: number, b: Float32Array, c0: number, d: number, out: Float32Array, o: number, ld: number,
) {
  const [r1, r2, r3] = [r0 + d, r0 + 2 * d, r0 + 3 * d];
  const [c1, c2, c3] = [c0 + d, c0 + 2 * d, c0 + 3 * d];
  let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
  let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
  for (let k = 0; k < d; k++) {
    const a0 = a[r0 + k], a1 = a[r1 + k], a2 = a[r2 + k], a3 = a[r3 + k];
    const b0 = b[c0 + k], b1 = b[c1 + k], b2 = b[c2 + k], b3 = b[c3 + k];
    s00 += a0 * b0; s01 += a0 * b1; s02 += a0 * b2; s03 += a0 * b3;
    s10 += a1 * b0; s11 += a1 * b1; s12 += a1 * b2; s13 += a1 * b3;
    s20 += a2 * b0; s21 += a2 * b1; s22 += a2 * b2; s23 += a2 * b3;
    s30 += a3 * b0; s31 += a3 * b1; s32 += a3 * b2; s33 += a3 * b3;
  }
  out[o] = s00; out[o + 1] = s01; out[o + 2] = s02; out[o + 3] = s03;
  o += ld; out[o] = s10; out[o + 1] = s11; out[o + 2] = s12; out[o + 3] = s13;
  o += ld; out[o] = s20; out[o + 1] = s21; out[o + 2] = s22; out[o + 3] = s23;
  o += ld; out[o] = s30; out[o + 1] = s31; out[o + 2] = s32; out[o + 3] = s33;
}

/** Squared length of every row, in float64 (the subtraction below cancels; keep what precision there is). */
export function rowNorms(p: Points): Float64Array {
  const n = new Float64Array(p.count);
  for (let i = 0; i < p.count; i++) {
    let s = 0;
    for (let k = 0; k < p.dim; k++) s += p.data[i * p.dim + k] ** 2;
    n[i] = s;
  }
  return n;
}

/**
 * Visits every tile of the distances between the rows of `a` and of `b`. With `symmetric` (a and b
 * the same set) it visits only the tiles on and above the diagonal: the visitor uses each twice.
 */
export function forEachDistanceTile(
  a: Points,
  b: Points,
  visit: TileVisitor,
  o: TileOptions & { symmetric?: boolean } = {},
): void {
  if (a.dim !== b.dim) throw new Error(`distances: feature dimensions differ (${a.dim} vs ${b.dim})`);
  const dots = o.dots ?? jsDots;
  const block = o.block ?? 1024;
  const na = rowNorms(a);
  const nb = a === b ? na : rowNorms(b);
  const d = a.dim;
  for (let i0 = 0; i0 < a.count; i0 += block) {
    const rows = Math.min(block, a.count - i0);
    const aBlock = a.data.subarray(i0 * d, (i0 + rows) * d);
    for (let j0 = o.symmetric ? i0 : 0; j0 < b.count; j0 += block) {
      const cols = Math.min(block, b.count - j0);
      const t = dots(aBlock, rows, b.data.subarray(j0 * d, (j0 + cols) * d), cols, d);
      for (let i = 0; i < rows; i++) {
        const ni = na[i0 + i];
        for (let j = 0; j < cols; j++) {
          const v = ni + nb[j0 + j] - 2 * t[i * cols + j];
          // Rounding can push the distance of a point to itself (or a duplicate) below zero.
          t[i * cols + j] = v > 0 ? v : 0;
        }
      }
      visit(i0, rows, j0, cols, t);
    }
  }
}
