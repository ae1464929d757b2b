/**
 * Training speed benchmark: ms per critic step, generator step and generator forward at batch 64
 * for each available backend and worker count, and the GFLOP/s they reach against a matrix product
 * timed in the same run. Run: `npm run bench:train [-- --steps 8 --backends wasm,cpu]`; another
 * model size with `--image-size 64 --channels 3` (the architecture train/model.ts sizes to it).
 * Against PyTorch at several sizes in one run: bench/train-vs-torch.ts.
 *
 * FLOP counts are estimates from the layer shapes (bench/training-step.ts): at 28x28x1 a generator
 * forward is 133.5 MFLOP per image and a critic forward 6.8 MFLOP; a critic step (generator forward,
 * then forward+backward of the critic on real and fake plus the penalty's double backprop) is
 * counted as one generator forward plus 12 critic forwards, a generator step as 3x (generator +
 * critic forward).
 */
import { Command } from 'commander';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { imageSizeProblem } from '../runtime/generator-contract.ts';
import { Rng } from '../runtime/random.ts';
import { selectBackend, type BackendRequest } from '../train/backend.ts';
import { defaultArch, type ArchConfig } from '../train/model.ts';
import { WorkerPool } from '../train/pool.ts';
import { modelFlops, syntheticBatch } from './training-step.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function matmulGflops(backend: BackendRequest): Promise<number> {
  await selectBackend(backend);
  const n = 512;
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t = performance.now();
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
    times.push(performance.now() - t);
  }
  tf.dispose([a, b]);
  return (2 * n ** 3) / (median(times.slice(1)) / 1000) / 1e9;
}

async function benchPool(arch: ArchConfig, backend: BackendRequest, workers: number, steps: number, batch: number) {
  const hyper = { lr: 2e-4, beta1: 0.5, beta2: 0.9, eps: 1e-8, lambda: 10, nCritic: 5, batchSize: batch };
  const pool = await WorkerPool.start(workers, arch, hyper, 1, backend);
  const rng = new Rng(7);
  const { real, labels, alpha } = syntheticBatch(arch, batch);
  const z = () => rng.fillNormal(new Float32Array(batch * arch.zDim));
  const time = async (f: () => Promise<unknown>, n: number) => {
    await f(); // warm-up: kernel compilation, allocations
    const ts: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await f();
      ts.push(performance.now() - t);
    }
    return median(ts);
  };
  try {
    const critic = await time(() => pool.criticStep({ real, labels, z: z(), alpha }), steps);
    const gen = await time(() => pool.generatorStep(labels, z()), Math.max(2, Math.ceil(steps / 3)));
    const fwd = await time(() => pool.generate(z(), labels), steps);
    return { backend: pool.backend, critic, gen, fwd };
  } finally {
    await pool.close();
  }
}

const program = new Command('bench-train')
  .option('--steps <n>', 'timed critic steps per configuration', '6')
  .option('--batch <n>', 'batch size', '64')
  .option('--backends <list>', 'backends to time (cpu takes 20+ s per step: add it explicitly)', 'auto')
  .option('--workers <list>', 'worker counts to time', `1,${os.availableParallelism()}`)
  .option('--image-size <n>', 'square image side (the model is sized to it)', '28')
  .option('--channels <n>', '1 (grayscale) or 3 (RGB)', '1')
  .option('--classes <n>', 'number of classes', '10')
  .parse();
const o = program.opts();
const batch = Number(o.batch);
const size = Number(o.imageSize);
const sizeProblem = imageSizeProblem(size);
if (sizeProblem) program.error(`--image-size: ${sizeProblem}`);
const arch = defaultArch(Number(o.classes), size, Number(o.channels));
const flops = modelFlops(arch);
const mm = await matmulGflops('auto');
console.log(`matrix product 512x512 on ${tf.getBackend()}, one thread: ${mm.toFixed(1)} GFLOP/s`);
console.log(
  `${size}x${size}x${arch.channels}, ${arch.numClasses} classes (generator ${flops.gen.toFixed(1)} MFLOP, ` +
    `critic ${flops.critic.toFixed(2)} MFLOP per image); batch ${batch}; ` +
    'a training step = one critic step + 1/5 generator step\n',
);
console.log('backend      workers  critic ms  gen ms  fwd ms  step ms  GFLOP/s  % of matmul x workers');
for (const backend of String(o.backends).split(',') as BackendRequest[]) {
  for (const workers of String(o.workers).split(',').map(Number)) {
    const r = await benchPool(arch, backend, workers, Number(o.steps), batch);
    const step = r.critic + r.gen / 5;
    const gflops = ((flops.criticStep + flops.genStep / 5) * batch) / 1000 / (step / 1000);
    console.log(
      `${r.backend.padEnd(12)} ${String(workers).padStart(7)} ${r.critic.toFixed(0).padStart(10)} ` +
        `${r.gen.toFixed(0).padStart(7)} ${r.fwd.toFixed(0).padStart(7)} ${step.toFixed(0).padStart(8)} ` +
        `${gflops.toFixed(1).padStart(8)} ${((100 * gflops) / (mm * workers)).toFixed(0).padStart(6)}%`,
    );
  }
}
