/**
 * The cost of `cgan eval`'s precision / recall / density / coverage (eval/manifold.ts) at the sizes
 * eval uses: n real and n generated points of d features (ReLU-like: half the values 0), k = 3.
 * Times the reference's part (real radii, once per reference) and a generated set's part (its
 * radii and the cross distances), with the pure-JavaScript product and with tfjs's.
 *
 * Usage: node --import tsx bench/manifold.ts [--n 10000] [--dim 128] [--backend auto|wasm|cpu]
 */
import { Command } from 'commander';
import { Rng } from '../runtime/random.ts';
import { selectBackend } from '../train/backend.ts';
import { knnRadii, manifoldScores } from '../eval/manifold.ts';
import { jsDots, points, type DotProducts } from '../eval/pairwise.ts';
import { tfDots } from '../eval/tf-dots.ts';

function reluFeatures(n: number, dim: number, seed: number) {
  const data = new Rng(seed).fillNormal(new Float32Array(n * dim));
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, data[i] + 0.1 * (i % dim));
  return points(data, dim);
}

const o = new Command('bench-manifold')
  .option('--n <n>', 'points per set', '10000')
  .option('--dim <d>', 'feature dimension', '128')
  .option('--backend <name>', 'tfjs backend for the tfjs product', 'auto')
  .parse()
  .opts<{ n: string; dim: string; backend: 'auto' | 'wasm' | 'cpu' }>();
const n = Number(o.n);
const dim = Number(o.dim);
const backend = (await selectBackend(o.backend)).name;
const real = reluFeatures(n, dim, 1);
const fake = reluFeatures(n, dim, 2);
const gflop = (2 * n * n * dim) / 1e9;
for (const [name, dots] of [
  [`tfjs ${backend}`, tfDots],
  ['JavaScript', jsDots],
] as [string, DotProducts][]) {
  let t = performance.now();
  const realRadii = knnRadii(real, 3, { dots });
  const tRef = (performance.now() - t) / 1000;
  t = performance.now();
  const s = manifoldScores(real, fake, { dots, realRadii });
  const tGen = (performance.now() - t) / 1000;
  console.log(
    `${name}: n ${n}, ${dim}-d: reference radii ${tRef.toFixed(1)} s, generated set ${tGen.toFixed(1)} s ` +
      `(${((1.5 * gflop) / tGen).toFixed(1)} GFLOP/s); precision ${s.precision.toFixed(3)} ` +
      `recall ${s.recall.toFixed(3)} density ${s.density.toFixed(3)} coverage ${s.coverage.toFixed(3)}`,
  );
}
