/**
 * Chooses the TensorFlow.js backend for training and installs what training needs on it.
 *
 * auto: tfjs-node-gpu, then webgpu on a hardware adapter, then tfjs-node, then wasm, then cpu. The
 * tfjs-node packages are optional dependencies whose install script downloads libtensorflow, so
 * they are often absent; webgpu needs a Vulkan driver (train/webgpu.ts). Each candidate that is
 * skipped leaves a note saying why. Works inside worker_threads (the trainer starts one backend per
 * worker), since the wasm binary is read from node_modules with fs.
 */
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { registerTrainingFixes, WASM_REPLACEMENTS, WEBGPU_REPLACEMENTS } from './kernels/register.ts';
import { adapterName, installNodeWebGpu, type AdapterInfo } from './webgpu.ts';

export { registerTrainingFixes } from './kernels/register.ts';

import { BACKEND_REQUESTS, type BackendRequest } from './backend-names.ts';

export { BACKEND_REQUESTS, type BackendRequest } from './backend-names.ts';
export type BackendName = 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';

/**
 * Every training backend, in `auto`'s order: what it is, which --backend asks for it, and what it
 * needs on a machine (`cgan doctor` and docs/gpu.md print these; one home for them).
 */
export interface BackendInfo {
  name: BackendName;
  request: BackendRequest;
  packages: string[];
  needs: string;
  install: string;
}

const FROM_NPM = 'npm install (a dependency)';
const WITH_LIBTENSORFLOW = 'with network access (its install script downloads libtensorflow)';

export const TRAINING_BACKENDS: readonly BackendInfo[] = [
  {
    name: 'tensorflow-gpu',
    request: 'tensorflow',
    packages: ['@tensorflow/tfjs-node-gpu'],
    needs:
      'Linux x64, an NVIDIA GPU, CUDA 11.2 and cuDNN 8.1 ' +
      '(it loads libtensorflow 2.9.1; CUDA 12/13 machines lack libcudart.so.11.0)',
    install: `npm install @tensorflow/tfjs-node-gpu@4.22.0 ${WITH_LIBTENSORFLOW}`,
  },
  {
    name: 'webgpu',
    request: 'webgpu',
    packages: ['webgpu', '@tensorflow/tfjs-backend-webgpu'],
    needs:
      'a GPU with a Vulkan driver and the Vulkan loader libvulkan.so.1 (Linux); ' +
      "Metal (macOS) and D3D12 (Windows) by Dawn's prebuilt binaries",
    install:
      'Debian/Ubuntu: apt-get install libvulkan1 (+ mesa-vulkan-drivers for AMD/Intel; ' +
      'the NVIDIA driver brings its own)',
  },
  {
    name: 'tensorflow',
    request: 'tensorflow',
    packages: ['@tensorflow/tfjs-node'],
    needs: 'Linux/macOS/Windows x64 (native libtensorflow 2.9.1 on the CPU)',
    install: `npm install @tensorflow/tfjs-node@4.22.0 ${WITH_LIBTENSORFLOW}`,
  },
  { name: 'wasm', request: 'wasm', packages: ['@tensorflow/tfjs-backend-wasm'], needs: 'Node 20', install: FROM_NPM },
  {
    name: 'cpu',
    request: 'cpu',
    packages: ['@tensorflow/tfjs'],
    needs: 'nothing (plain JavaScript, about 100x slower than wasm)',
    install: FROM_NPM,
  },
];

export interface BackendSelection {
  name: BackendName;
  /** The name tfjs knows the backend by (tf.getBackend()). */
  tfBackend: string;
  /** What runs and why the better candidates did not, one line each. */
  notes: string[];
  /** The GPU adapter, on webgpu. */
  adapter?: AdapterInfo;
}

export interface SelectOptions {
  /** Loads a CommonJS package by name; tests pass a fake to simulate installed/broken packages. */
  load?: (pkg: string) => unknown;
  /** Tells whether a package is present at all (default: require.resolve of its package.json). */
  isInstalled?: (pkg: string) => boolean;
  /** Stands in for the WebGPU adapter probe (tests simulate hardware and missing adapters). */
  probeWebGpu?: typeof installNodeWebGpu;
}

type NodePkg = { pkg: string; name: 'tensorflow-gpu' | 'tensorflow' };
const TFJS_NODE_GPU: NodePkg = { pkg: '@tensorflow/tfjs-node-gpu', name: 'tensorflow-gpu' };
const TFJS_NODE: NodePkg = { pkg: '@tensorflow/tfjs-node', name: 'tensorflow' };

const require = createRequire(import.meta.url);

function defaultIsInstalled(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/** Parses a --backend value; the error lists the valid ones. */
export function parseBackendRequest(value: string): BackendRequest {
  if ((BACKEND_REQUESTS as readonly string[]).includes(value)) return value as BackendRequest;
  throw new Error(`Unknown backend "${value}": use one of ${BACKEND_REQUESTS.join(', ')}.`);
}

const firstLine = (e: unknown) => String(e instanceof Error ? e.message : e).split('\n')[0];

type Attempt = { ok: true; selection: BackendSelection } | { ok: false; notes: string[] };

async function tryTensorflow(opts: SelectOptions, notes: string[], pkgs: NodePkg[]): Promise<Attempt> {
  const isInstalled = opts.isInstalled ?? defaultIsInstalled;
  const load = opts.load ?? ((pkg: string) => require(pkg));
  const reasons: string[] = [];
  for (const { pkg, name } of pkgs) {
    const short = pkg.replace('@tensorflow/', '');
    if (!isInstalled(pkg)) {
      reasons.push(
        `${short}: not installed (its install script needs to download libtensorflow; ` +
          `npm skipped the optional dependency)`,
      );
      continue;
    }
    try {
      load(pkg);
    } catch (e) {
      const cuda = name === 'tensorflow-gpu' ? '; it needs CUDA 11.2 and cuDNN 8.1 on the library path' : '';
      reasons.push(
        `${short}: installed but failed to load (${firstLine(e)}); its native libtensorflow is probably missing: ` +
          `rerun \`npm rebuild ${pkg}\` with network access${cuda}`,
      );
      continue;
    }
    // tfjs-node registers 'tensorflow' on the global engine, shared by every copy of tfjs-core.
    if (tf.findBackendFactory('tensorflow') == null) {
      reasons.push(`${short}: loaded but registered no 'tensorflow' backend`);
      continue;
    }
    if (!(await quietSetBackend('tensorflow', reasons, short))) continue;
    const selection = { name, tfBackend: 'tensorflow', notes: [...notes, ...reasons] };
    const gpuNote = name === 'tensorflow-gpu' ? '; GPU use needs CUDA/cuDNN that libtensorflow can find' : '';
    selection.notes.push(`${short}: running (native TensorFlow${gpuNote})`);
    return { ok: true, selection };
  }
  return { ok: false, notes: reasons };
}

async function tryWasm(notes: string[]): Promise<Attempt> {
  const reasons: string[] = [];
  try {
    await import('@tensorflow/tfjs-backend-wasm');
  } catch (e) {
    return {
      ok: false,
      notes: [`wasm: @tensorflow/tfjs-backend-wasm did not load (${firstLine(e)}); run \`npm install\``],
    };
  }
  // Node's threaded build cannot start its pthread workers (blob: URLs); parallelism comes from
  // the trainer's worker_threads instead, so say single-threaded explicitly.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const started = await withoutNewProcessListeners(() => quietSetBackend('wasm', reasons, 'wasm'));
  if (!started) return { ok: false, notes: reasons };
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  return {
    ok: true,
    selection: {
      name: 'wasm',
      tfBackend: 'wasm',
      notes: [...notes, `wasm: running, SIMD ${simd ? 'on' : 'off'}, single-threaded`],
    },
  };
}

/**
 * webgpu: Dawn's adapter first (so a missing Vulkan driver is named), then tfjs-backend-webgpu.
 * `hardwareOnly` (auto) refuses software adapters such as SwiftShader, which run at CPU speed.
 */
async function tryWebGpu(opts: SelectOptions, notes: string[], hardwareOnly: boolean): Promise<Attempt> {
  const probe = await (opts.probeWebGpu ?? installNodeWebGpu)();
  if (!probe.ok) return { ok: false, notes: [`webgpu: ${probe.missing}; ${probe.fix}`] };
  const name = adapterName(probe.adapter);
  if (hardwareOnly && probe.adapter.isFallback) {
    const why = `webgpu: skipped, the only adapter is ${name}, slower than wasm (ask for it with --backend webgpu)`;
    return { ok: false, notes: [why] };
  }
  try {
    await import('@tensorflow/tfjs-backend-webgpu');
  } catch (e) {
    const why = `webgpu: @tensorflow/tfjs-backend-webgpu did not load (${firstLine(e)}); run \`npm install\``;
    return { ok: false, notes: [why] };
  }
  const reasons: string[] = [];
  if (!(await quietSetBackend('webgpu', reasons, 'webgpu'))) return { ok: false, notes: reasons };
  const running = `webgpu: running on ${name}`;
  const selection: BackendSelection = { name: 'webgpu', tfBackend: 'webgpu', adapter: probe.adapter, notes: [] };
  selection.notes.push(...notes, running);
  return { ok: true, selection };
}

/**
 * Emscripten's startup adds process listeners that rethrow uncaught exceptions from inside its
 * minified file, so Node then prints that whole 30 kB line above the real error. Node's default
 * handling (print the error, exit non-zero) is what users should see; the listeners are removed.
 */
async function withoutNewProcessListeners<T>(fn: () => Promise<T>): Promise<T> {
  const events = ['uncaughtException', 'unhandledRejection'];
  const emitter = process as unknown as EventEmitter;
  const before = events.map((e) => new Set(emitter.listeners(e)));
  try {
    return await fn();
  } finally {
    events.forEach((e, i) => {
      for (const l of emitter.listeners(e))
        if (!before[i].has(l)) emitter.removeListener(e, l as (...args: unknown[]) => void);
    });
  }
}

/** setBackend that turns tfjs's console warnings about a failed init into a note. */
async function quietSetBackend(backend: string, reasons: string[], label: string): Promise<boolean> {
  const warn = console.warn;
  const warnings: string[] = [];
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
  let ok = false;
  try {
    ok = await tf.setBackend(backend);
    if (ok) await tf.ready();
  } catch (e) {
    warnings.push(firstLine(e));
    ok = false;
  } finally {
    console.warn = warn;
  }
  if (!ok) {
    const why = warnings.map((w) => w.split('\n')[0]).filter((w) => !/^Initialization of backend .* failed$/.test(w));
    reasons.push(`${label}: failed to initialise${why.length ? ` (${why.join('; ')})` : ''}`);
  } else {
    for (const w of warnings) warn(w);
  }
  return ok;
}

/**
 * Sets the tfjs backend for `requested`, registers the training fixes, and says what runs and why.
 * Explicit requests that cannot be met throw an Error naming the fix; `auto` falls through.
 */
export async function selectBackend(
  requested: BackendRequest = 'auto',
  opts: SelectOptions = {},
): Promise<BackendSelection> {
  parseBackendRequest(requested);
  const notes: string[] = [];
  let selection: BackendSelection | undefined;
  const auto = requested === 'auto';

  if (auto) {
    const r = await tryTensorflow(opts, notes, [TFJS_NODE_GPU]);
    if (r.ok) selection = r.selection;
    else notes.push(...r.notes);
  }
  if (!selection && (auto || requested === 'webgpu')) {
    const r = await tryWebGpu(opts, notes, auto);
    if (r.ok) selection = r.selection;
    else if (!auto) throw new Error(`--backend webgpu is not available: ${r.notes.join('; ')}; or use --backend wasm.`);
    else notes.push(...r.notes);
  }
  if (!selection && (auto || requested === 'tensorflow')) {
    const r = await tryTensorflow(opts, notes, auto ? [TFJS_NODE] : [TFJS_NODE_GPU, TFJS_NODE]);
    if (r.ok) selection = r.selection;
    else if (requested === 'tensorflow') {
      throw new Error(
        `--backend tensorflow is not available: ${r.notes.join('; ')}. Fix: ` +
          `\`npm install @tensorflow/tfjs-node\` (or -gpu) on a machine where its install script can download ` +
          `libtensorflow, or use --backend wasm.`,
      );
    } else notes.push(...r.notes);
  }
  if (!selection && (auto || requested === 'wasm')) {
    const r = await tryWasm(notes);
    if (r.ok) selection = r.selection;
    else if (requested === 'wasm')
      throw new Error(
        `--backend wasm is not available: ${r.notes.join('; ')}. Use --backend cpu (much slower) or reinstall.`,
      );
    else notes.push(...r.notes);
  }
  if (!selection) {
    const reasons: string[] = [];
    if (!(await quietSetBackend('cpu', reasons, 'cpu')))
      throw new Error(`No tfjs backend could start: ${[...notes, ...reasons].join('; ')}.`);
    selection = {
      name: 'cpu',
      tfBackend: 'cpu',
      notes: [...notes, 'cpu: running (plain JavaScript; a training step is about 100x slower than on wasm)'],
    };
  }
  registerTrainingFixes([...WASM_BACKENDS, ...(selection.tfBackend === 'webgpu' ? ['webgpu'] : [])]);
  for (const [backend, table] of [
    ['wasm', WASM_REPLACEMENTS],
    ['webgpu', WEBGPU_REPLACEMENTS],
  ] as const) {
    if (selection.tfBackend !== backend || !Object.keys(table).length) continue;
    const kernels = Object.entries(table).map(([k, { why }]) => `${k} (${why})`);
    selection.notes.push(`${backend}: replacement kernels ${kernels.join(', ')}`);
  }
  return selection;
}

const WASM_BACKENDS = ['wasm'];

export interface BackendProbe {
  name: BackendName;
  ok: boolean;
  /** What runs, or the missing piece and how to get it. */
  detail: string;
  adapter?: AdapterInfo;
}

/**
 * Tries one backend of TRAINING_BACKENDS on its own, as `cgan doctor` reports it (a software
 * WebGPU adapter counts as loading; its detail says so). Leaves that backend active when it loads.
 */
export async function probeBackend(name: BackendName, opts: SelectOptions = {}): Promise<BackendProbe> {
  let r: Attempt;
  if (name === 'tensorflow-gpu') r = await tryTensorflow(opts, [], [TFJS_NODE_GPU]);
  else if (name === 'tensorflow') r = await tryTensorflow(opts, [], [TFJS_NODE]);
  else if (name === 'webgpu') r = await tryWebGpu(opts, [], false);
  else if (name === 'wasm') r = await tryWasm([]);
  else {
    const reasons: string[] = [];
    const ok = await quietSetBackend('cpu', reasons, 'cpu');
    const selection: BackendSelection = { name, tfBackend: 'cpu', notes: ['cpu: running (plain JavaScript)'] };
    r = ok ? { ok, selection } : { ok, notes: reasons };
  }
  if (!r.ok) return { name, ok: false, detail: r.notes.join('; ') };
  return { name, ok: true, detail: r.selection.notes[r.selection.notes.length - 1], adapter: r.selection.adapter };
}
