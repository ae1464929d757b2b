/**
 * The GPU benchmark's Node half (bench/gpu/run.sh runs it from the bundle bench/gpu/build.ts makes;
 * here: `node --import tsx bench/gpu/bench.ts --train-batches 4 --infer-batches 4 --steps 2`):
 *   1. what this machine runs (`cgan doctor`'s report: tfjs-node-gpu, the CUDA EP, webgpu, ...);
 *   2. training ms per critic step on tfjs webgpu, and on wasm as the same run's baseline (a Replica
 *      in this thread: the trainer's step without its worker thread; synthetic images, since speed
 *      does not depend on pixel values),
 *      mean over the timed steps with the generator step every nCritic-th, as the trainer reports;
 *   3. img/s of the exported generator on onnxruntime-node webgpu and cpu;
 *   4. parity: a webgpu critic step against wasm from the same seed, and the ORT webgpu images
 *      against ORT cpu;
 * and prints each figure next to PyTorch's (bench/gpu/torch_reference.py, same run) when given
 * --torch FILE. Writes everything to --json FILE.
 */
import { Command } from 'commander';
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { diagnose, formatReport } from '../../cli/doctor-command.ts';
import { maxAbsDiff, cycleLabels } from '../../export/parity.ts';
import { Generator } from '../../runtime/node.ts';
import { Rng } from '../../runtime/random.ts';
import { selectBackend } from '../../train/backend.ts';
import { defaultArch } from '../../train/model.ts';
import { Replica, type CriticShard } from '../../train/replica.ts';
import { PRESETS } from '../../cli/train-command.ts';

const list = (v: string) => v.split(',').map((x) => Number(x));
const program = new Command('gpu-bench')
  .option('--model <file>', 'exported generator', 'models/mnist-cwgan.onnx')
  .option('--train-batches <list>', 'training batch sizes', list, [64, 256])
  .option('--infer-batches <list>', 'inference batch sizes', list, [64, 1024])
  .option('--steps <n>', 'timed critic steps per batch size', Number, 30)
  .option('--warmup <n>', 'untimed critic steps first (shader compilation, buffer pool)', Number, 5)
  .option('--runs <n>', 'timed inference runs per batch size', Number, 10)
  .option('--torch <file>', "PyTorch's figures from torch_reference.py, printed alongside")
  .option('--json <file>', 'write all figures here')
  .option('--skip-doctor', 'leave out the doctor report');
program.parse();
const o = program.opts<{
  model: string;
  trainBatches: number[];
  inferBatches: number[];
  steps: number;
  warmup: number;
  runs: number;
  torch?: string;
  json?: string;
  skipDoctor?: boolean;
}>();

const results: Record<string, unknown> = { date: new Date().toISOString() };
const say = (s: string) => console.log(s);
const ms = (x: number) => (Number.isNaN(x) ? '- (none timed)' : `${x.toFixed(1)} ms`);
const fixed = (x: number | undefined, digits: number) => x?.toFixed(digits) ?? '-';
/** img/s: whole numbers, but two significant digits below 10 (a software adapter gives < 1). */
const rate = (x: number | undefined) => (x === undefined ? '-' : x >= 10 ? x.toFixed(0) : x.toPrecision(2));

function shard(rng: Rng, b: number, zDim: number): CriticShard {
  return {
    real: Float32Array.from({ length: b * 28 * 28 }, () => rng.uniform() * 2 - 1),
    labels: Int32Array.from(cycleLabels(b, 10)),
    z: rng.fillNormal(new Float32Array(b * zDim)),
    alpha: Float32Array.from({ length: b }, () => rng.uniform()),
  };
}

/** Mean ms per critic step (generator step every nCritic-th included) over `steps` after warm-up. */
async function trainSpeed(
  b: number,
  steps: number,
): Promise<{ msPerStep: number; criticMs: number; generatorMs: number }> {
  const arch = defaultArch(10);
  const hyper = { ...PRESETS['wgan-gp'], batchSize: b };
  const r = new Replica(arch, hyper, 1);
  const rng = new Rng(7);
  const data = shard(rng, b, arch.zDim);
  const one = async (i: number) => {
    const t0 = performance.now();
    const c = await r.criticStep(data, b);
    r.apply('critic', c.grads);
    const t1 = performance.now();
    if ((i + 1) % hyper.nCritic === 0) {
      const g = await r.generatorStep({ labels: data.labels, z: data.z }, b);
      r.apply('generator', g.grads);
    }
    return { critic: t1 - t0, total: performance.now() - t0, gen: (i + 1) % hyper.nCritic === 0 };
  };
  for (let i = 0; i < o.warmup; i++) await one(i);
  const times = [];
  for (let i = 0; i < steps; i++) times.push(await one(i));
  tf.disposeVariables();
  const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / Math.max(xs.length, 1);
  const critics = times.filter((t) => !t.gen).map((t) => t.critic);
  const gens = times.filter((t) => t.gen).map((t) => t.total - t.critic);
  return {
    msPerStep: mean(times.map((t) => t.total)),
    criticMs: mean(critics),
    generatorMs: gens.length ? mean(gens) : NaN,
  };
}

/** One critic step's scores and gradient on `backend`, same seed and data. */
async function criticOnce(backend: 'webgpu' | 'wasm', b: number): Promise<{ scores: number[]; grads: Float32Array }> {
  await selectBackend(backend);
  const arch = defaultArch(10);
  const r = new Replica(arch, { ...PRESETS['wgan-gp'], batchSize: b }, 3);
  const c = await r.criticStep(shard(new Rng(11), b, arch.zDim), b);
  tf.disposeVariables();
  return { scores: [c.real / b, c.fake / b, c.penalty / b], grads: c.grads };
}

async function inferSpeed(g: Generator, b: number, runs: number): Promise<number> {
  const labels = cycleLabels(b, g.info.numClasses);
  await g.generate({ labels, seed: 1, batchSize: b });
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await g.generate({ labels, seed: 1 + i, batchSize: b });
  return (b * runs) / ((performance.now() - t0) / 1000);
}

if (!o.skipDoctor) {
  const report = await diagnose(o.model);
  results.doctor = report;
  say(`== what this machine runs (cgan doctor)\n${formatReport(report)}\n`);
}

const sel = await selectBackend('webgpu').catch((e: Error) => e);
if (sel instanceof Error) {
  say(`== training on webgpu: not possible here: ${sel.message}`);
  results.webgpuError = sel.message;
} else {
  say(`== training, tfjs webgpu (${sel.notes.join('; ')})`);
  const train: Record<string, unknown> = {};
  for (const b of o.trainBatches) {
    await selectBackend('webgpu');
    const s = await trainSpeed(b, o.steps);
    train[b] = s;
    say(
      `batch ${b}: ${s.msPerStep.toFixed(1)} ms per critic step ` +
        `(critic-only steps ${s.criticMs.toFixed(1)} ms, generator step ${ms(s.generatorMs)})`,
    );
  }
  results.trainWebgpu = train;
  const pb = o.trainBatches[0];
  // The CPU trainer's backend, same run: the baseline the GPU figures are a ratio against.
  await selectBackend('wasm');
  const base = await trainSpeed(pb, Math.min(o.steps, 10));
  results.trainWasm = { [pb]: base };
  const ratio = base.msPerStep / (train[pb] as { msPerStep: number }).msPerStep;
  say(
    `baseline, tfjs wasm (one thread), batch ${pb}: ${base.msPerStep.toFixed(1)} ms per critic step; ` +
      `webgpu is ${ratio.toFixed(2)}x that speed`,
  );
  const gpu = await criticOnce('webgpu', pb);
  const cpu = await criticOnce('wasm', pb);
  const rel = gpu.scores.map((v, i) => Math.abs(v - cpu.scores[i]) / Math.max(Math.abs(cpu.scores[i]), 1e-4));
  let gradScale = 1e-12;
  for (const v of cpu.grads) gradScale = Math.max(gradScale, Math.abs(v));
  const gradRel = maxAbsDiff(gpu.grads, cpu.grads) / gradScale;
  results.trainParity = {
    batch: pb,
    scoresWebgpu: gpu.scores,
    scoresWasm: cpu.scores,
    scoreRelDiff: rel,
    gradRelMaxDiff: gradRel,
  };
  say(
    `parity, one critic step at batch ${pb}, webgpu vs wasm: scores (real, fake, penalty) relative diff ` +
      `${rel.map((x) => x.toExponential(1)).join(', ')}; gradient max diff / max |grad| ${gradRel.toExponential(1)}`,
  );
}

if (existsSync(o.model)) {
  const cpu = await Generator.load(o.model, { device: 'cpu' });
  const gpu = await Generator.load(o.model, { device: 'webgpu' }).catch((e: Error) => e);
  const infer: Record<string, Record<string, number>> = {};
  for (const b of o.inferBatches) {
    infer[b] = { cpu: await inferSpeed(cpu, b, Math.max(1, Math.ceil(o.runs / 4))) };
    if (!(gpu instanceof Error)) infer[b].webgpu = await inferSpeed(gpu, b, o.runs);
    say(
      `onnxruntime-node, batch ${b}: ${Object.entries(infer[b])
        .map(([k, v]) => `${k} ${rate(v)} img/s`)
        .join(', ')}`,
    );
  }
  results.inferOrt = infer;
  if (gpu instanceof Error) {
    say(`onnxruntime-node webgpu: ${gpu.message}`);
    results.ortWebgpuError = gpu.message;
  } else {
    const parity: Record<string, number> = {};
    for (const b of o.inferBatches) {
      const labels = cycleLabels(b, cpu.info.numClasses);
      const [a, c] = [
        await cpu.generate({ labels, seed: 42, batchSize: b }),
        await gpu.generate({ labels, seed: 42, batchSize: b }),
      ];
      parity[b] = maxAbsDiff(a.data, c.data);
    }
    results.ortParity = parity;
    say(
      `parity, onnxruntime-node webgpu vs cpu, max abs diff: ${Object.entries(parity)
        .map(([b, d]) => `batch ${b} ${d.toExponential(1)}`)
        .join(', ')}`,
    );
    await gpu.dispose();
  }
  await cpu.dispose();
} else say(`no model at ${o.model}: inference skipped`);

if (o.torch && existsSync(o.torch)) {
  const t = JSON.parse(readFileSync(o.torch, 'utf8')) as {
    device: string;
    train: Record<string, { msPerStep: number }>;
    infer: Record<string, number>;
  };
  results.torch = t;
  say(`\n== side by side (same run; PyTorch on ${t.device}, fp32, TF32 off)`);
  const tw = results.trainWebgpu as Record<string, { msPerStep: number }> | undefined;
  for (const b of o.trainBatches) {
    say(
      `training batch ${b}: tfjs webgpu ${fixed(tw?.[b]?.msPerStep, 1)} ms/step | ` +
        `PyTorch ${fixed(t.train[b]?.msPerStep, 1)} ms/step`,
    );
  }
  const inf = results.inferOrt as Record<string, Record<string, number>> | undefined;
  for (const b of o.inferBatches) {
    say(
      `inference batch ${b}: ORT webgpu ${rate(inf?.[b]?.webgpu)} img/s | ` +
        `ORT cpu ${rate(inf?.[b]?.cpu)} img/s | PyTorch ${rate(t.infer[b])} img/s`,
    );
  }
} else if (o.torch) say(`\nno PyTorch figures (${o.torch} missing): see torch_reference.py's output above`);

if (o.json) writeFileSync(o.json, JSON.stringify(results, null, 2));
// Dawn's devices keep the event loop alive.
process.exit(0);
