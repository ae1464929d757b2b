/**
 * The CPU trainer against PyTorch, back to back in one run, at several image shapes and batch sizes:
 * for each (shape, batch) the Node worker pool (the trainer's own, default preset's step with the
 * batch size set) and then bench/gpu/torch_reference.py (the same architecture and step, standard
 * WGAN-GP loop) with each of `--torch-threads` threads (intra-op and OpenBLAS; default: as many as
 * Node has workers) time the same loop: `--warmup` untimed critic steps, then the timed ones, a generator step
 * after every 5th; the figure is the mean ms per critic step with the generator steps included.
 * Prints a table with the ratio node/torch (against the first thread count) and the load average
 * when each row started; `--json FILE` keeps everything.
 *
 *   npm run bench:vs-torch
 *   npm run bench:vs-torch -- --shapes 32x32x3 --batches 16 --steps 10
 *
 * Python is not a project dependency: give `--python` an interpreter with torch (Debian's
 * python3-torch is /usr/bin/python3; it is tried when the first python3 on PATH lacks torch).
 * Debian's torch does its matrix products in whichever libblas.so.3 the system provides: without
 * OpenBLAS installed that is the reference BLAS, about 15x slower; the run prints which one it got
 * and warns. Without installing it system-wide:
 *   apt-get download libopenblas0-pthread && dpkg -x libopenblas0-pthread_*.deb /tmp/ob
 *   LD_LIBRARY_PATH=/tmp/ob/usr/lib/x86_64-linux-gnu/openblas-pthread npm run bench:vs-torch
 */
import { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { imageSizeProblem } from '../runtime/generator-contract.ts';
import { PRESETS } from '../cli/train-command.ts';
import type { BackendRequest } from '../train/backend.ts';
import { defaultArch } from '../train/model.ts';
import { WorkerPool } from '../train/pool.ts';
import { timeLoop, type LoopTiming } from './training-step.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const REFERENCE = path.join(here, 'gpu', 'torch_reference.py');

const list = (v: string) => v.split(',').filter(Boolean);
const program = new Command('bench-train-vs-torch')
  .option('--shapes <list>', 'SIDExSIDExCHANNELS, comma-separated', list, ['28x28x1', '32x32x3', '64x64x3'])
  .option('--batches <list>', 'batch sizes', (v: string) => list(v).map(Number), [16, 64])
  .option('--steps <n>', 'timed critic steps per pair at sides up to 32 (a multiple of 5)', Number, 20)
  .option('--big-steps <n>', 'timed critic steps per pair at sides over 32', Number, 10)
  .option('--warmup <n>', 'untimed critic steps first, both sides', Number, 5)
  .option('--classes <n>', 'number of classes', Number, 10)
  .option('--workers <n>', 'Node worker threads', Number, os.availableParallelism())
  .option('--torch-threads <list>', 'PyTorch intra-op threads, one timing each (default: --workers)', (v: string) =>
    list(v).map(Number),
  )
  .option('--backend <name>', 'tfjs backend of the workers', 'wasm')
  .option('--python <cmd>', 'python with torch (default: python3 on PATH, else /usr/bin/python3)')
  .option('--json <file>', 'write every figure here');
program.parse();
const o = program.opts<{
  shapes: string[];
  batches: number[];
  steps: number;
  bigSteps: number;
  warmup: number;
  classes: number;
  workers: number;
  torchThreads?: number[];
  backend: BackendRequest;
  python?: string;
  json?: string;
}>();

const shapes = o.shapes.map((s) => {
  const m = /^(\d+)x(\d+)x([13])$/.exec(s);
  if (!m || m[1] !== m[2]) return program.error(`--shapes: ${s} is not SIDExSIDExCHANNELS (square, 1 or 3 channels)`);
  const size = Number(m[1]);
  const problem = imageSizeProblem(size);
  if (problem) return program.error(`--shapes: ${problem}`);
  return { size, channels: Number(m[3]), name: s };
});

function findPython(): string {
  const candidates = o.python ? [o.python] : ['python3', '/usr/bin/python3'];
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return program.error(`no python with torch among ${candidates.join(', ')} (Debian: apt-get install python3-torch)`);
}
const python = findPython();
const torchThreads = o.torchThreads ?? [o.workers];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cgan-vs-torch-'));

interface TorchResult {
  torch: string;
  blas: string;
  threads: number;
  train: Record<string, { msPerStep: number }>;
}

function torchStep(size: number, channels: number, batch: number, steps: number, threads: number): TorchResult {
  const json = path.join(tmp, 'torch.json');
  const args = [
    REFERENCE,
    '--device',
    'cpu',
    '--threads',
    String(threads),
    '--image-size',
    String(size),
    '--channels',
    String(channels),
    '--classes',
    String(o.classes),
    '--train-batches',
    String(batch),
    '--infer-batches',
    '',
    '--steps',
    String(steps),
    '--warmup',
    String(o.warmup),
    '--json',
    json,
  ];
  // Debian's torch does its products in OpenBLAS, whose threads torch's count does not govern.
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads) };
  const r = spawnSync(python, args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (r.status !== 0) throw new Error(`${python} ${REFERENCE} failed (exit ${r.status})`);
  return JSON.parse(readFileSync(json, 'utf8')) as TorchResult;
}

async function nodeStep(size: number, channels: number, batch: number, steps: number): Promise<LoopTiming> {
  const arch = defaultArch(o.classes, size, channels);
  const hyper = { ...PRESETS.fast, batchSize: batch };
  const pool = await WorkerPool.start(o.workers, arch, hyper, 1, o.backend);
  try {
    return await timeLoop(pool, arch, batch, { steps, warmup: o.warmup, nCritic: hyper.nCritic });
  } finally {
    await pool.close();
  }
}

const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? '?';
const load = () => os.loadavg()[0].toFixed(2);
const loads = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const results: Record<string, unknown>[] = [];
let blas: string | undefined;
const started = new Date().toISOString();
console.log(
  `${started}: ${cpu}, ${os.availableParallelism()} cores; Node ${process.version}, ${o.workers} ${o.backend} ` +
    `workers; PyTorch on the CPU with ${torchThreads.join(', then ')} threads (${python}); load average ${loads()}`,
);
console.log(
  `mean ms per critic step, generator step every 5th included; ${o.warmup} warm-up steps, then ${o.steps} ` +
    `timed (${o.bigSteps} at sides over 32)\n`,
);
const torchCols = torchThreads.map((t) => `torch ${t}t`.padStart(9)).join(' ');
console.log(`shape      batch  steps  node ms ${torchCols}  node/torch  node critic  node gen  load`);
try {
  for (const s of shapes) {
    for (const batch of o.batches) {
      const steps = s.size > 32 ? o.bigSteps : o.steps;
      const loadAt = load();
      const node = await nodeStep(s.size, s.channels, batch, steps);
      const runs = torchThreads.map((t) => torchStep(s.size, s.channels, batch, steps, t));
      const torch = runs.map((r) => r.train[String(batch)].msPerStep);
      blas ??= runs[0].blas;
      const row = { shape: s.name, batch, steps, node, torch, torchThreads, ratio: node.msPerStep / torch[0], loadAt };
      results.push(row);
      console.log(
        `${s.name.padEnd(10)} ${String(batch).padStart(5)} ${String(steps).padStart(6)} ` +
          `${node.msPerStep.toFixed(0).padStart(8)} ${torch.map((t) => t.toFixed(0).padStart(9)).join(' ')} ` +
          `${row.ratio.toFixed(2).padStart(11)} ${node.criticMs.toFixed(0).padStart(12)} ` +
          `${node.generatorMs.toFixed(0).padStart(9)} ${loadAt.padStart(5)}`,
      );
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
console.log(`\nload average at the end: ${loads()}; PyTorch's BLAS: ${blas}`);
if (blas && !/openblas|mkl|blis/i.test(blas)) {
  console.log(
    'warning: PyTorch ran on the reference BLAS, about 15x slower than OpenBLAS at products: the ratios flatter ' +
      'Node. Install libopenblas0-pthread, or point LD_LIBRARY_PATH at its openblas-pthread folder.',
  );
}
if (o.json) {
  const info = {
    started,
    cpu,
    cores: os.availableParallelism(),
    node: process.version,
    workers: o.workers,
    python,
    blas,
  };
  writeFileSync(o.json, `${JSON.stringify({ ...info, results }, null, 2)}\n`);
}
