/**
 * `npm run bench:onnx`: images/s of the exported generator on onnxruntime-node cpu (batch 1, 64,
 * 1024; and batch 64 on one thread) and onnxruntime-web wasm in Node (batch 64, one thread), next
 * to the floor: the model's FLOPs over a float32 matrix-product rate (onnxruntime's own MatMul,
 * 1024^3, same thread count) timed between the model runs, so a loaded machine lowers both.
 * Wasm is compared with the one-thread floor. Results go to docs/onnx-benchmarks.md by hand.
 *
 * Usage: node --import tsx bench/onnx.ts [model.onnx] [--quick]
 * Without a model it builds one from trained-like test weights (speed does not depend on values).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import * as ortNode from 'onnxruntime-node';
import { Generator as WebGenerator } from '../runtime/browser.ts';
import { Generator as NodeGenerator } from '../runtime/node.ts';
import { noiseFromSeed } from '../runtime/random.ts';
import type { ArchConfig } from '../train/model.ts';
import { defaultArch } from '../train/model.ts';
import { DataType, IR_VERSION, OPSET, decodeModel, encodeModel } from '../export/onnx-schema.ts';
import { testOnnx } from '../test/test-checkpoint.ts';

/** Multiply-adds x 2 of one image through the generator. */
export function generatorFlops(a: ArchConfig): number {
  const s = a.imageSize / 4;
  const g = a.genChannels;
  const dense = (a.zDim + a.embedDim) * s * s * g;
  // ConvTranspose k4 s2: each output pixel sums in * k*k / stride^2 products.
  const deconv1 = (2 * s) ** 2 * g * g * 4;
  const deconv2 = (4 * s) ** 2 * g * g * 4;
  const conv = (4 * s) ** 2 * g * 9;
  return 2 * (dense + deconv1 + deconv2 + conv);
}

function matmulModel(n: number): Uint8Array {
  const info = (name: string) => ({
    name,
    type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: [{ dim_value: n }, { dim_value: n }] } } },
  });
  return encodeModel({
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: OPSET }],
    producer_name: 'cgan-onnx bench',
    producer_version: '0',
    graph: {
      name: 'matmul',
      node: [{ op_type: 'MatMul', name: 'mm', input: ['a', 'b'], output: ['c'] }],
      initializer: [],
      input: [info('a'), info('b')],
      output: [info('c')],
    },
    metadata_props: [],
  });
}

/**
 * The same model laid out as a PyTorch export would be (Gemm with transB=1 over an [out, in]
 * weight; everything else already matches), to compare the two graphs under identical load.
 */
export function torchStyleVariant(bytes: Uint8Array): Uint8Array {
  const m = decodeModel(bytes);
  const w = m.graph.initializer.find((t) => t.name === 'dense.weight');
  const gemm = m.graph.node.find((n) => n.op_type === 'Gemm');
  if (!w?.raw_data || !gemm) throw new Error('torchStyleVariant: needs a float32 export (no --fp16)');
  const [k, n] = w.dims;
  const src = new Float32Array(Uint8Array.from(w.raw_data).buffer); // a copy: protobufjs gives Buffer views into a pool
  const dst = new Float32Array(k * n);
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) dst[j * k + i] = src[i * n + j];
  w.dims = [n, k];
  w.raw_data = new Uint8Array(dst.buffer);
  gemm.attribute = (gemm.attribute ?? []).map((a) => (a.name === 'transB' ? { ...a, i: 1 } : a));
  return encodeModel(m);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Timing {
  /** Median and best ms per model run. */
  ms: number;
  bestMs: number;
  /** Floor img/s from the matrix products timed between the model runs (median, best). */
  floor: number;
  bestFloor: number;
  runs: number;
}

/**
 * Alternates model runs with matrix-product runs, so on a shared machine both see the same load,
 * and reports medians and bests of each. `matmul` returns GFLOP/s of one product.
 */
async function timeAgainstFloor(
  fn: () => Promise<unknown>,
  matmul: () => Promise<number>,
  flops: number,
  opts: { warmup: number; minRuns: number; minMs: number },
): Promise<Timing> {
  for (let i = 0; i < opts.warmup; i++) await fn();
  const times: number[] = [];
  const rates: number[] = [];
  const start = performance.now();
  while (times.length < opts.minRuns || performance.now() - start < opts.minMs) {
    rates.push(await matmul());
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
    if (times.length >= 100) break;
  }
  const floorOf = (gflops: number) => (gflops * 1e9) / flops;
  return {
    ms: median(times),
    bestMs: Math.min(...times),
    floor: floorOf(median(rates)),
    bestFloor: floorOf(Math.max(...rates)),
    runs: times.length,
  };
}

/** One timed float32 MatMul n^3 on onnxruntime-node cpu, as GFLOP/s. */
async function matmulTimer(
  threads: number | undefined,
): Promise<{ run: () => Promise<number>; release: () => Promise<void> }> {
  const n = 1024;
  const s = await ortNode.InferenceSession.create(matmulModel(n), {
    executionProviders: ['cpu'],
    ...(threads ? { intraOpNumThreads: threads } : {}),
  });
  const a = new ortNode.Tensor('float32', noiseFromSeed(1, n, n), [n, n]);
  const b = new ortNode.Tensor('float32', noiseFromSeed(2, n, n), [n, n]);
  for (let i = 0; i < 2; i++) await s.run({ a, b });
  return {
    run: async () => {
      const t = performance.now();
      await s.run({ a, b });
      return (2 * n ** 3) / ((performance.now() - t) / 1000) / 1e9;
    },
    release: () => s.release(),
  };
}

async function main(): Promise<void> {
  const cmd = new Command('bench/onnx.ts')
    .argument('[model]', '.onnx to time (default: test weights, default architecture)')
    .option('--quick', 'fewer batch sizes and runs')
    .parse();
  const quick = cmd.opts<{ quick?: boolean }>().quick === true;
  const file = cmd.args[0] as string | undefined;
  const arch = defaultArch();
  const bytes = file ? new Uint8Array(await fs.readFile(file)) : await testOnnx(arch);
  const flops = generatorFlops(arch);
  const cpus = os.cpus();
  console.log(
    `machine: ${cpus.length} x ${cpus[0]?.model ?? '?'}, Node ${process.version}, ` +
      `onnxruntime-node ${ortNode.env.versions.node}, load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join('/')}`,
  );
  console.log(`model: ${file ?? 'test weights, default arch'}; ${(flops / 1e6).toFixed(1)} MFLOP per image`);
  console.log(
    'floor = matrix-product rate (onnxruntime cpu MatMul 1024^3, float32, same thread count) / FLOP per image, ' +
      'timed between the model runs',
  );
  console.log('img/s and % of floor: median (best)');

  const report = (what: string, batch: number, t: Timing) => {
    const ips = (batch * 1000) / t.ms;
    const best = (batch * 1000) / t.bestMs;
    console.log(
      `${what.padEnd(30)} batch ${String(batch).padStart(4)}: ${t.ms.toFixed(1).padStart(7)} ms/run, ` +
        `${ips.toFixed(0).padStart(4)} (${best.toFixed(0)}) img/s, ` +
        `floor ${t.floor.toFixed(0)} (${t.bestFloor.toFixed(0)}) img/s, ${((100 * ips) / t.floor).toFixed(0)}% ` +
        `(${((100 * best) / t.bestFloor).toFixed(0)}%) of floor, ${t.runs} runs`,
    );
  };
  const opts = (batch: number) => ({
    warmup: 1,
    minRuns: quick ? 3 : 5,
    minMs: quick ? 300 : batch >= 1024 ? 6000 : 2500,
  });
  const inputs = (batch: number) => ({
    labels: Array.from({ length: batch }, (_, i) => i % arch.numClasses),
    noise: noiseFromSeed(batch, batch, arch.zDim),
  });

  for (const threads of [undefined, 1]) {
    const mm = await matmulTimer(threads);
    const node = await NodeGenerator.load(bytes, { device: 'cpu', numThreads: threads });
    const label = `onnxruntime-node cpu${threads ? ', 1 thread' : ''}`;
    for (const batch of threads ? [64] : [1, 64, 1024]) {
      const { labels, noise } = inputs(batch);
      report(
        label,
        batch,
        await timeAgainstFloor(() => node.generate({ labels, noise, batchSize: batch }), mm.run, flops, opts(batch)),
      );
    }
    await node.dispose();
    if (threads === 1) {
      const web = await WebGenerator.load(bytes, { device: 'wasm' });
      const { labels, noise } = inputs(64);
      report(
        'onnxruntime-web wasm, 1 thread',
        64,
        await timeAgainstFloor(() => web.generate({ labels, noise }), mm.run, flops, opts(64)),
      );
      await web.dispose();
    }
    await mm.release();
  }

  // Same load for both: alternate runs of this export and of the PyTorch-style layout.
  const torch = torchStyleVariant(bytes);
  for (const threads of [undefined, 1]) {
    const a = await NodeGenerator.load(bytes, { device: 'cpu', numThreads: threads });
    const b = await NodeGenerator.load(torch, { device: 'cpu', numThreads: threads });
    const { labels, noise } = inputs(64);
    const ta: number[] = [];
    const tb: number[] = [];
    const start = performance.now();
    await a.generate({ labels, noise });
    await b.generate({ labels, noise });
    while (ta.length < (quick ? 3 : 7) || performance.now() - start < (quick ? 300 : 3000)) {
      ta.push((await a.generate({ labels, noise })).ms);
      tb.push((await b.generate({ labels, noise })).ms);
      if (ta.length >= 100) break;
    }
    const ratios = ta.map((t, i) => tb[i] / t);
    console.log(
      `this export vs PyTorch-style Gemm(transB=1), batch 64${threads ? ', 1 thread' : ''}: ` +
        `${median(ta).toFixed(1)} vs ${median(tb).toFixed(1)} ms/run ` +
        `(best ${Math.min(...ta).toFixed(1)} vs ${Math.min(...tb).toFixed(1)}); ` +
        `speed ratio ${median(ratios).toFixed(3)} (median of ${ratios.length} pairs, >1: this export faster)`,
    );
    await a.dispose();
    await b.dispose();
  }
}

// Run only as a script, so tests can import the helpers above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
