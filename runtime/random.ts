/**
 * Seeded noise that is identical, bit for bit, in Node and in the browser.
 *
 * Why not Math.random: it cannot be seeded, so the same seed could never draw the same picture twice.
 * xoshiro128** works on 32-bit integers only (Math.imul and shifts), which every JS engine computes
 * exactly; Box-Muller then uses Math.log/Math.sqrt/Math.cos/Math.sin, which V8 (Node and Chromium)
 * implements with the same fdlibm port, so the float64 normals match across both, and we round them
 * to float32 once at the end.
 */

/** The generator's whole state: four uint32 words. Save it to resume a stream exactly. */
export type RngState = [number, number, number, number];

/** splitmix32: spreads one 32-bit seed over the four state words (xoshiro must not start at zero). */
function seedState(seed: number): RngState {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    out.push(z);
  }
  if (!out.some((w) => w !== 0)) out[0] = 1;
  return out as RngState;
}

export class Rng {
  private s: RngState;

  constructor(seedOrState: number | RngState) {
    if (typeof seedOrState === 'number') {
      if (!Number.isInteger(seedOrState) || seedOrState < 0 || seedOrState > 0xffffffff) {
        throw new RangeError(`seed must be an integer in [0, 4294967295], got ${seedOrState}`);
      }
      this.s = seedState(seedOrState);
    } else {
      this.s = [...seedOrState] as RngState;
    }
  }

  /** A copy of the state, for checkpoints. */
  state(): RngState {
    return [...this.s] as RngState;
  }

  /** Next uint32 (xoshiro128**). */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] = (s[2] ^ s[0]) >>> 0;
    s[3] = (s[3] ^ s[1]) >>> 0;
    s[1] = (s[1] ^ s[2]) >>> 0;
    s[0] = (s[0] ^ s[3]) >>> 0;
    s[2] = (s[2] ^ t) >>> 0;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in the open interval (0, 1): never 0, so log() in Box-Muller stays finite. */
  uniform(): number {
    return (this.nextUint32() + 0.5) / 4294967296;
  }

  /** Uniform integer in [0, n), unbiased (rejection sampling). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x100000000) throw new RangeError(`int(n) needs 0 < n <= 2^32, got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /**
   * Fills `out` with standard normals. Values are made in Box-Muller pairs; an odd length drops the
   * pair's second value, so the result depends only on the state and the length.
   */
  fillNormal(out: Float32Array): Float32Array {
    for (let i = 0; i < out.length; i += 2) {
      const u1 = this.uniform();
      const u2 = this.uniform();
      const r = Math.sqrt(-2 * Math.log(u1));
      const theta = 2 * Math.PI * u2;
      out[i] = r * Math.cos(theta);
      if (i + 1 < out.length) out[i + 1] = r * Math.sin(theta);
    }
    return out;
  }

  /** Fisher-Yates shuffle of [0, n). */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Noise for `count` samples of size `zDim`, from a seed: the one recipe every runtime uses. */
export function noiseFromSeed(seed: number, count: number, zDim: number): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(count * zDim));
}
