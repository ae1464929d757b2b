/**
 * Times the replacement kernels against the stock ones on this model's shapes (batch 64), and the
 * full critic / generator steps on wasm. Short on purpose: the machine is shared.
 *
 *   node --import tsx bench/kernels.ts [--reps 3] [--cpu] [--no-steps]
 *
 * Stock is wasm's own kernel where it has one; Conv2DBackpropFilter has none on wasm, so --cpu
 * times the cpu backend's (about a minute at batch 64, hence opt-in).
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { Command } from 'commander';
import { int } from '../cli/parse.ts';
import { selectBackend } from '../train/backend.ts';
import { critic, criticParams, defaultArch, generator, generatorParams, initParams } from '../train/model.ts';
import { stockKernel } from '../train/kernels/register.ts';

const opts = new Command('bench/kernels.ts')
  .option('--reps <n>', 'repetitions per kernel', int('--reps', 1), 3)
  .option('--cpu', 'also time the pure-JS cpu backend (slow)')
  .option('--no-steps', 'skip the whole training-step timings')
  .parse()
  .opts<{ reps: number; cpu?: boolean; steps: boolean }>();
const reps = opts.reps;
const withCpu = opts.cpu === true;
const withSteps = opts.steps;
const B = 64;

type Shape4 = [number, number, number, number];

/** Median wall and CPU ms. CPU time (this process) stays meaningful when others load the machine. */
interface Timing {
  wall: number;
  cpu: number;
}

function time(fn: () => tf.Tensor | tf.Tensor[], n = reps, warmUp = true): Timing {
  const once = (): Timing => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const out = tf.tidy(fn);
    for (const t of Array.isArray(out) ? out : [out]) t.dataSync();
    tf.dispose(out);
    const c = process.cpuUsage(c0);
    return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
  };
  if (warmUp) once(); // operator creation, weight packing
  const runs = Array.from({ length: n }, once);
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { wall: median(runs.map((r) => r.wall)), cpu: median(runs.map((r) => r.cpu)) };
}

function withStockKernel<T>(kernelName: string, fn: () => T): T {
  const stock = stockKernel(kernelName, 'wasm');
  if (!stock) throw new Error(`no stock ${kernelName} kept for wasm`);
  const ours = tf.getKernel(kernelName, 'wasm')!;
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel(stock);
  stock.setupFunc?.(tf.backend());
  try {
    return fn();
  } finally {
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel(ours);
  }
}

const filterGrad = (x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: Shape4) =>
  tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
    strides: 2,
    pad: 'same',
    dataFormat: 'NHWC',
    filterShape,
  } as unknown as tf.NamedAttrMap) as tf.Tensor4D;

const rand = (shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', 1);
const fmt = (t: Timing) => `${t.wall.toFixed(1).padStart(7)} ms (cpu ${t.cpu.toFixed(1).padStart(7)})`;
const ratio = (stock: Timing, ours: Timing) => `x${(stock.cpu / ours.cpu).toFixed(1)}`;

const sel = await selectBackend('wasm');
console.log(`backend ${sel.name}; ${sel.notes.join('; ')}`);
console.log(`median of ${reps} after one warm-up, batch ${B}; wall ms (cpu ms of this process); ratios from cpu ms`);
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${cpus().length} cores\n`,
);

console.log('Conv2DBackpropInput (conv2dTranspose forward; conv2d input gradient), wasm stock loop vs sub-pixel:');
const deconvs: { label: string; dy: Shape4; filter: Shape4; out: Shape4 }[] = [
  { label: 'generator deconv1 7->14, 128ch', dy: [B, 7, 7, 128], filter: [4, 4, 128, 128], out: [B, 14, 14, 128] },
  { label: 'generator deconv2 14->28, 128ch', dy: [B, 14, 14, 128], filter: [4, 4, 128, 128], out: [B, 28, 28, 128] },
  { label: 'critic conv2 input grad 7->14, 64ch', dy: [B, 7, 7, 64], filter: [4, 4, 64, 64], out: [B, 14, 14, 64] },
  { label: 'critic conv1 input grad 14->28, 64->2ch', dy: [B, 14, 14, 64], filter: [4, 4, 2, 64], out: [B, 28, 28, 2] },
];
for (const d of deconvs) {
  const dy = rand(d.dy) as tf.Tensor4D;
  const f = rand(d.filter) as tf.Tensor4D;
  const run = () => tf.conv2dTranspose(dy, f, d.out, 2, 'same');
  const stock = withStockKernel(tf.Conv2DBackpropInput, () => time(run));
  const ours = time(run);
  console.log(`  ${d.label.padEnd(42)} stock ${fmt(stock)}   sub-pixel ${fmt(ours)}   ${ratio(stock, ours)}`);
  tf.dispose([dy, f]);
}

console.log(
  `\nConv2DBackpropFilter (weight gradients; wasm has none), ${withCpu ? 'cpu stock (one run) vs ' : ''}wasm ` +
    `dilated conv2d:`,
);
const filters: { label: string; x: Shape4; dy: Shape4; filter: Shape4; cpu: boolean }[] = [
  { label: 'critic conv1 28->14, 2->64ch', x: [B, 28, 28, 2], dy: [B, 14, 14, 64], filter: [4, 4, 2, 64], cpu: true },
  { label: 'critic conv2 14->7, 64->64ch', x: [B, 14, 14, 64], dy: [B, 7, 7, 64], filter: [4, 4, 64, 64], cpu: true },
  // conv2dTranspose's filter gradient: the 'input' is the deconv's output gradient.
  {
    label: 'generator deconv1 filter 14->7, 128ch',
    x: [B, 14, 14, 128],
    dy: [B, 7, 7, 128],
    filter: [4, 4, 128, 128],
    cpu: false,
  },
  {
    label: 'generator deconv2 filter 28->14, 128ch',
    x: [B, 28, 28, 128],
    dy: [B, 14, 14, 128],
    filter: [4, 4, 128, 128],
    cpu: false,
  },
];
for (const c of filters) {
  const x = rand(c.x) as tf.Tensor4D;
  const dy = rand(c.dy) as tf.Tensor4D;
  let cpu: Timing | undefined;
  if (withCpu && c.cpu) {
    await tf.setBackend('cpu');
    const xc = tf.tensor(x.dataSync(), c.x) as tf.Tensor4D;
    const dyc = tf.tensor(dy.dataSync(), c.dy) as tf.Tensor4D;
    cpu = time(() => filterGrad(xc, dyc, c.filter), 1, false);
    tf.dispose([xc, dyc]);
    await tf.setBackend('wasm');
  }
  const ours = time(() => filterGrad(x, dy, c.filter));
  const stockText = cpu ? `cpu stock ${fmt(cpu)}   ` : '';
  console.log(`  ${c.label.padEnd(42)} ${stockText}wasm ${fmt(ours)}${cpu ? `   ${ratio(cpu, ours)}` : ''}`);
  tf.dispose([x, dy]);
}

console.log("\nBatchMatMul with a transposed operand (dense layers' gradients), wasm stock vs explicit transpose:");
const mats: { label: string; a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
  { label: 'generator dense dx: [64,6272] x [256,6272]^T', a: [B, 6272], b: [256, 6272], ta: false, tb: true },
  { label: 'generator dense dW: [64,256]^T x [64,6272]', a: [B, 256], b: [B, 6272], ta: true, tb: false },
  { label: 'critic dense dW: [64,3136]^T x [64,1]', a: [B, 3136], b: [B, 1], ta: true, tb: false },
];
for (const m of mats) {
  const a = rand(m.a);
  const b = rand(m.b);
  const run = () => tf.matMul(a, b, m.ta, m.tb);
  const stock = withStockKernel(tf.BatchMatMul, () => time(run));
  const ours = time(run);
  console.log(`  ${m.label.padEnd(46)} stock ${fmt(stock)}   replacement ${fmt(ours)}   ${ratio(stock, ours)}`);
  tf.dispose([a, b]);
}

console.log('\nSum over leading axes (bias gradients), wasm stock vs ones x matMul:');
for (const shape of [
  [B, 28, 28, 128],
  [B, 14, 14, 128],
  [B, 14, 14, 64],
]) {
  const x = rand(shape);
  const run = () => tf.sum(x, [0, 1, 2]);
  const stock = withStockKernel(tf.Sum, () => time(run));
  const ours = time(run);
  console.log(
    `  ${`[${shape}] -> [${shape[3]}]`.padEnd(46)} stock ${fmt(stock)}   replacement ${fmt(ours)}   ` +
      `${ratio(stock, ours)}`,
  );
  x.dispose();
}

if (withSteps) {
  console.log('\nFull steps on wasm (default architecture), forward + backward, no optimizer update:');
  const a = defaultArch();
  const w = initParams(a, 1);
  const z = rand([B, a.zDim]) as tf.Tensor2D;
  const labels = tf.tensor1d(
    Array.from({ length: B }, (_, i) => i % 10),
    'int32',
  );
  const real = tf.randomUniform([B, 28, 28, 1], -1, 1, 'float32', 2) as tf.Tensor4D;
  const eps = tf.randomUniform([B, 1, 1, 1], 0, 1, 'float32', 3);
  const genFwd = time(() => generator(w, a, z, labels));
  const criticStep = time(() => {
    const fake = generator(w, a, z, labels);
    const xhat = tf.add(tf.mul(eps, real), tf.mul(tf.sub(1, eps), fake)) as tf.Tensor4D;
    const penalty = () => {
      const g = tf.grad((x: tf.Tensor) => critic(w, a, x as tf.Tensor4D, labels).sum())(xhat);
      return g.square().sum([1, 2, 3]).add(1e-12).sqrt().sub(1).square().mean();
    };
    const { value, grads } = tf.variableGrads(
      () =>
        critic(w, a, fake, labels)
          .mean()
          .sub(critic(w, a, real, labels).mean())
          .add(penalty().mul(10)) as tf.Scalar,
      criticParams(w),
    );
    return [value, ...Object.values(grads)];
  });
  const genStep = time(() => {
    const { value, grads } = tf.variableGrads(
      () =>
        critic(w, a, generator(w, a, z, labels), labels)
          .mean()
          .neg() as tf.Scalar,
      generatorParams(w),
    );
    return [value, ...Object.values(grads)];
  });
  console.log(`  generator forward                                          ${fmt(genFwd)}`);
  console.log(`  critic step (generator forward for fakes, critic loss + 10 * penalty) ${fmt(criticStep)}`);
  console.log(`  generator step (backprop through the critic)               ${fmt(genStep)}`);
}
