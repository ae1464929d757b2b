/**
 * Where a training step's time goes on one wasm thread (one worker's share of the batch): every
 * kernel of the wasm backend is wrapped to time itself, and time spent in kernels a kernel calls
 * (the replacement kernels of train/kernels/ run ordinary ops) is charged to the inner one, so the
 * figures add up to the step's kernel time. Rows are kernel + input shapes, over `--steps` critic
 * steps and one generator step per 5 (the loop's proportions), largest first.
 *
 *   node --import tsx bench/train-profile.ts --image-size 64 --channels 3 --batch 8 [--top 25]
 */
import { Command } from 'commander';
import * as tf from '@tensorflow/tfjs';
import { PRESETS } from '../cli/train-command.ts';
import { selectBackend } from '../train/backend.ts';
import { defaultArch } from '../train/model.ts';
import { Replica } from '../train/replica.ts';
import { syntheticBatch } from './training-step.ts';

const o = new Command('bench-train-profile')
  .option('--image-size <n>', 'square image side', Number, 28)
  .option('--channels <n>', '1 or 3', Number, 1)
  .option('--classes <n>', 'number of classes', Number, 10)
  .option('--batch <n>', "one worker's shard (the batch / workers)", Number, 8)
  .option('--steps <n>', 'profiled critic steps (a generator step per 5)', Number, 5)
  .option('--top <n>', 'rows to print', Number, 25)
  .parse()
  .opts<{ imageSize: number; channels: number; classes: number; batch: number; steps: number; top: number }>();

await selectBackend('wasm');
const arch = defaultArch(o.classes, o.imageSize, o.channels);
const r = new Replica(arch, { ...PRESETS.fast, batchSize: o.batch }, 1);
const data = syntheticBatch(arch, o.batch);

// name|shapes -> exclusive ms, calls; and the phase (critic or generator step) it ran in.
const rows = new Map<string, { ms: number; calls: number; flop: number }>();
let phase = 'critic';
const stack: number[] = []; // time spent in children of each open kernel
for (const config of tf.getKernelsForBackend('wasm')) {
  const inner = config.kernelFunc;
  tf.unregisterKernel(config.kernelName, 'wasm');
  tf.registerKernel({
    ...config,
    kernelFunc: (args) => {
      stack.push(0);
      const t0 = performance.now();
      const out = inner(args);
      const total = performance.now() - t0;
      const children = stack.pop() ?? 0;
      if (stack.length) stack[stack.length - 1] += total;
      const shapes = Object.values(args.inputs)
        .map((t) => (t ? `[${(t as tf.TensorInfo).shape.join(',')}]` : '-'))
        .join(' ');
      const key = `${phase}|${config.kernelName} ${shapes}`;
      const row = rows.get(key) ?? { ms: 0, calls: 0, flop: 0 };
      row.ms += total - children;
      row.calls++;
      row.flop += flopOf(config.kernelName, args.inputs, args.attrs ?? {}, out);
      rows.set(key, row);
      return out;
    },
  });
}

/** 2 x multiply-adds of the products and convolutions (0 for everything else). */
function flopOf(
  kernel: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
  out: tf.TensorInfo | tf.TensorInfo[],
): number {
  const o = Array.isArray(out) ? out[0] : out;
  const size = (t: tf.TensorInfo) => t.shape.reduce((p, d) => p * d, 1);
  const { filter, a } = inputs;
  if ((kernel === 'Conv2D' || kernel === 'FusedConv2D') && filter) {
    const [kh, kw, ci] = filter.shape;
    return 2 * size(o) * kh * kw * ci;
  }
  // Transposed products re-enter this kernel with plain operands (train/kernels/batch-mat-mul.ts): count those.
  const plain = !attrs.transposeA && !attrs.transposeB;
  if ((kernel === 'BatchMatMul' || kernel === '_FusedMatMul') && a && plain) {
    return 2 * size(o) * a.shape[a.shape.length - 1];
  }
  return 0;
}

const step = async (i: number) => {
  phase = 'critic';
  const c = await r.criticStep(data, o.batch);
  r.apply('critic', c.grads);
  if ((i + 1) % 5 === 0) {
    phase = 'generator';
    const g = await r.generatorStep({ labels: data.labels, z: data.z }, o.batch);
    r.apply('generator', g.grads);
  }
};
for (let i = 0; i < 5; i++) await step(i); // warm-up
rows.clear();
const t0 = performance.now();
for (let i = 0; i < o.steps; i++) await step(i);
const wall = performance.now() - t0;
const total = [...rows.values()].reduce((s, x) => s + x.ms, 0);
console.log(
  `${o.imageSize}x${o.imageSize}x${o.channels}, shard of ${o.batch}, ${o.steps} critic steps ` +
    `(${Math.floor(o.steps / 5)} generator steps): ${(wall / o.steps).toFixed(1)} ms a critic step, ` +
    `kernels ${((100 * total) / wall).toFixed(0)}% of it`,
);
const byName = new Map<string, number>();
for (const [key, { ms }] of rows) {
  const name = key.split(' ')[0];
  byName.set(name, (byName.get(name) ?? 0) + ms);
}
console.log('\nby kernel (phase|kernel: % of kernel time)');
for (const [name, ms] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
  console.log(`  ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${name}`);
}
console.log('\nby kernel and input shapes (ms per critic step, calls per critic step, %, GFLOP/s of products)');
for (const [key, { ms, calls, flop }] of [...rows].sort((a, b) => b[1].ms - a[1].ms).slice(0, o.top)) {
  const rate = flop ? (flop / ms / 1e6).toFixed(1) : '';
  console.log(
    `  ${(ms / o.steps).toFixed(2).padStart(8)}  ${(calls / o.steps).toFixed(1).padStart(5)}  ` +
      `${((100 * ms) / total).toFixed(1).padStart(5)}%  ${rate.padStart(5)}  ${key}`,
  );
}
const flopAll = [...rows.values()].reduce((s, x) => s + x.flop, 0);
console.log(
  `\nproducts and convolutions: ${(flopAll / o.steps / 1e9).toFixed(2)} GFLOP a critic step, ` +
    `${(flopAll / total / 1e6).toFixed(1)} GFLOP/s over all kernel time`,
);
