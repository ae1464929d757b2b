/**
 * Chooses the TensorFlow.js backend for training and installs what training needs on it.
 *
 * auto: tfjs-node-gpu, then tfjs-node, then wasm, then cpu. The tfjs-node packages are optional
 * dependencies whose install script downloads libtensorflow, so they are often absent; each
 * candidate that is skipped leaves a note saying why. Works inside worker_threads (the trainer
 * starts one backend per worker), since the wasm binary is read from node_modules with fs.
 */
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { registerTrainingFixes, WASM_REPLACEMENTS } from './kernels/register.ts';

export { registerTrainingFixes } from './kernels/register.ts';

export const BACKEND_REQUESTS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendRequest = (typeof BACKEND_REQUESTS)[number];
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendSelection {
  name: BackendName;
  /** The name tfjs knows the backend by (tf.getBackend()). */
  tfBackend: string;
  /** What runs and why the better candidates did not, one line each. */
  notes: string[];
}

export interface SelectOptions {
  /** Loads a CommonJS package by name; tests pass a fake to simulate installed/broken packages. */
  load?: (pkg: string) => unknown;
  /** Tells whether a package is present at all (default: require.resolve of its package.json). */
  isInstalled?: (pkg: string) => boolean;
}

const NODE_PKGS = [
  { pkg: '@tensorflow/tfjs-node-gpu', name: 'tensorflow-gpu' as const },
  { pkg: '@tensorflow/tfjs-node', name: 'tensorflow' as const },
];

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

async function tryTensorflow(opts: SelectOptions, notes: string[]): Promise<Attempt> {
  const isInstalled = opts.isInstalled ?? defaultIsInstalled;
  const load = opts.load ?? ((pkg: string) => require(pkg));
  const reasons: string[] = [];
  for (const { pkg, name } of NODE_PKGS) {
    const short = pkg.replace('@tensorflow/', '');
    if (!isInstalled(pkg)) {
      reasons.push(`${short}: not installed (its install script needs to download libtensorflow; npm skipped the optional dependency)`);
      continue;
    }
    try {
      load(pkg);
    } catch (e) {
      reasons.push(`${short}: installed but failed to load (${firstLine(e)}); its native libtensorflow is probably missing: rerun \`npm rebuild ${pkg}\` with network access`);
      continue;
    }
    // tfjs-node registers 'tensorflow' on the global engine, shared by every copy of tfjs-core.
    if (tf.findBackendFactory('tensorflow') == null) {
      reasons.push(`${short}: loaded but registered no 'tensorflow' backend`);
      continue;
    }
    if (!(await quietSetBackend('tensorflow', reasons, short))) continue;
    const selection = { name, tfBackend: 'tensorflow', notes: [...notes, ...reasons] };
    selection.notes.push(`${short}: running (native TensorFlow${name === 'tensorflow-gpu' ? '; GPU use needs CUDA/cuDNN that libtensorflow can find' : ''})`);
    return { ok: true, selection };
  }
  return { ok: false, notes: reasons };
}

async function tryWasm(notes: string[]): Promise<Attempt> {
  const reasons: string[] = [];
  try {
    await import('@tensorflow/tfjs-backend-wasm');
  } catch (e) {
    return { ok: false, notes: [`wasm: @tensorflow/tfjs-backend-wasm did not load (${firstLine(e)}); run \`npm install\``] };
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
      for (const l of emitter.listeners(e)) if (!before[i].has(l)) emitter.removeListener(e, l as (...args: unknown[]) => void);
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
export async function selectBackend(requested: BackendRequest = 'auto', opts: SelectOptions = {}): Promise<BackendSelection> {
  parseBackendRequest(requested);
  const notes: string[] = [];
  let selection: BackendSelection | undefined;

  if (requested === 'auto' || requested === 'tensorflow') {
    const r = await tryTensorflow(opts, notes);
    if (r.ok) selection = r.selection;
    else if (requested === 'tensorflow') {
      throw new Error(
        `--backend tensorflow is not available: ${r.notes.join('; ')}. Fix: \`npm install @tensorflow/tfjs-node\` (or -gpu) on a machine where its install script can download libtensorflow, or use --backend wasm.`,
      );
    } else notes.push(...r.notes);
  }
  if (!selection && (requested === 'auto' || requested === 'wasm')) {
    const r = await tryWasm(notes);
    if (r.ok) selection = r.selection;
    else if (requested === 'wasm') throw new Error(`--backend wasm is not available: ${r.notes.join('; ')}. Use --backend cpu (much slower) or reinstall.`);
    else notes.push(...r.notes);
  }
  if (!selection) {
    const reasons: string[] = [];
    if (!(await quietSetBackend('cpu', reasons, 'cpu'))) throw new Error(`No tfjs backend could start: ${[...notes, ...reasons].join('; ')}.`);
    selection = {
      name: 'cpu',
      tfBackend: 'cpu',
      notes: [...notes, 'cpu: running (plain JavaScript; a training step is about 100x slower than on wasm)'],
    };
  }
  registerTrainingFixes();
  if (selection.tfBackend === 'wasm') {
    const kernels = Object.entries(WASM_REPLACEMENTS).map(([k, { why }]) => `${k} (${why})`);
    selection.notes.push(`wasm: replacement kernels ${kernels.join(', ')}`);
  }
  return selection;
}
