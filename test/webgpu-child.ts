/**
 * Child process of the WebGPU tests (test/vulkan-env.ts starts it with a Vulkan driver on the
 * library path). Prints one JSON line: what the parent test asserts on.
 *   train-steps: the same critic and generator steps, from the same seed, on webgpu and on wasm
 *   ort-parity:  the exported generator on onnxruntime-node's WebGPU EP and its cpu EP
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../train/backend.ts';
import { defaultArch, type ArchConfig } from '../train/model.ts';
import { Replica } from '../train/replica.ts';
import { PRESETS } from '../cli/train-command.ts';
import { seededValues } from './kernel-test-util.ts';

export interface StepRecord {
  real: number;
  fake: number;
  penalty: number;
  generator?: number;
  numTensors: number;
  numBytesInGPU?: number;
  numBytesAllocatedInGPU?: number;
}

/** Small enough for SwiftShader (CPU speed), with every layer type of the real model. */
const ARCH: ArchConfig = { ...defaultArch(), zDim: 8, embedDim: 8, genChannels: 8, criticChannels: 4 };
const BATCH = 4;
// tfjs's GPU buffer pool fills during the first steps (seen: steady from step 4); 6 compares 4 with 6.
const STEPS = 6;

async function steps(
  backend: 'webgpu' | 'wasm',
): Promise<{ adapter?: string; notes: string[]; records: StepRecord[]; gradients: number[] }> {
  const s = await selectBackend(backend);
  const hyper = { ...PRESETS['wgan-gp'], batchSize: BATCH, nCritic: 2 };
  const r = new Replica(ARCH, hyper, 11);
  const labels = Int32Array.from({ length: BATCH }, (_, i) => (i * 3) % 10);
  const records: StepRecord[] = [];
  let gradients: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const shard = {
      real: seededValues(BATCH * 28 * 28, 100 + i),
      labels,
      z: seededValues(BATCH * ARCH.zDim, 200 + i),
      alpha: seededValues(BATCH, 300 + i).map((v) => (v + 1) / 2),
    };
    const c = await r.criticStep(shard, BATCH);
    r.apply('critic', c.grads);
    const rec: StepRecord = { real: c.real / BATCH, fake: c.fake / BATCH, penalty: c.penalty / BATCH, numTensors: 0 };
    if ((i + 1) % hyper.nCritic === 0) {
      const g = await r.generatorStep({ labels, z: seededValues(BATCH * ARCH.zDim, 400 + i) }, BATCH);
      r.apply('generator', g.grads);
      rec.generator = g.score / BATCH;
    }
    if (i === 0) gradients = Array.from(c.grads.subarray(0, 32));
    const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
    Object.assign(rec, {
      numTensors: m.numTensors,
      numBytesInGPU: m.numBytesInGPU,
      numBytesAllocatedInGPU: m.numBytesAllocatedInGPU,
    });
    records.push(rec);
  }
  return { adapter: s.adapter?.description || s.adapter?.architecture, notes: s.notes, records, gradients };
}

async function ortParity(): Promise<Record<string, unknown>> {
  const [{ Generator }, { smallArch, testOnnx }, { maxAbsDiff }] = await Promise.all([
    import('../runtime/node.ts'),
    import('./test-checkpoint.ts'),
    import('../export/parity.ts'),
  ]);
  const bytes = await testOnnx(smallArch());
  const half = await testOnnx(smallArch(), { fp16: true });
  const cpu = await Generator.load(bytes, { device: 'cpu' });
  const gpu = await Generator.load(bytes, { device: 'webgpu' });
  const gpuHalf = await Generator.load(half, { device: 'webgpu' });
  const out: Record<string, unknown> = { device: gpu.device, cases: [] as unknown[] };
  for (const labels of ['3', '0-9,1,2']) {
    const a = await cpu.generate({ labels, seed: 5 });
    const b = await gpu.generate({ labels, seed: 5 });
    const h = await gpuHalf.generate({ labels, seed: 5 });
    (out.cases as unknown[]).push({
      labels,
      count: a.count,
      fp32: maxAbsDiff(a.data, b.data),
      fp16: maxAbsDiff(a.data, h.data),
      range: Math.max(...a.data.map(Math.abs)),
    });
  }
  await Promise.all([cpu.dispose(), gpu.dispose(), gpuHalf.dispose()]);
  return out;
}

const mode = process.argv[2];
let result: unknown;
if (mode === 'train-steps') result = { webgpu: await steps('webgpu'), wasm: await steps('wasm') };
else if (mode === 'ort-parity') result = await ortParity();
else throw new Error(`unknown mode ${mode}: use train-steps or ort-parity`);
console.log(JSON.stringify(result));
// Dawn's device keeps the event loop alive.
process.exit(0);
