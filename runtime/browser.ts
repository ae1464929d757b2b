/**
 * Browser entry of the runtime: onnxruntime-web (webgpu, wasm), URL loading, ImageData/canvas.
 * Same Generator API as runtime/node.ts. Runs in Node too (wasm only), which the parity tests use.
 */
import * as ortWeb from 'onnxruntime-web';
import type { ExecutionProvider } from './devices.ts';
import { GeneratorBase, openSession, type Backend, type LoadOptions, type OrtLike } from './generator.ts';
import type { RGBAImage } from './images.ts';
import { isRemoteModelUrl, openRemote, type RemoteOptions } from './remote.ts';

export * from './shared.ts';

type OrtWeb = typeof ortWeb;

/** For a v2 URL, the remote options (headers, timeoutMs, signal) apply too. */
export interface BrowserLoadOptions extends LoadOptions, RemoteOptions {
  /** Your own onnxruntime-web module (e.g. `import * as ort from 'onnxruntime-web/webgpu'`). */
  ort?: OrtWeb;
  /** Sets ort.env.wasm.wasmPaths: where the .wasm files are served from. */
  wasmPaths?: string;
  /** Sets ort.env.wasm.numThreads; more than 1 needs cross-origin isolation (COOP/COEP). */
  numThreads?: number;
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].trim();
}

async function hasWebGpuAdapter(): Promise<string | null> {
  const gpu = (globalThis.navigator as (Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }) | undefined)?.gpu;
  if (!gpu)
    return (
      'this browser has no WebGPU (navigator.gpu is undefined): use a WebGPU browser (Chrome/Edge 113+) ' +
      'or device wasm'
    );
  try {
    if (!(await gpu.requestAdapter()))
      return (
        'navigator.gpu.requestAdapter() returned null: no usable GPU adapter (enable hardware ' +
        'acceleration), or use device wasm'
      );
  } catch (e) {
    return `navigator.gpu.requestAdapter() failed (${message(e)}); use device wasm`;
  }
  return null;
}

/** Read through globalThis: this entry is type-checked without Node's types (tsconfig.browser.json). */
function runsInNode(): boolean {
  return Boolean((globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node);
}

export function browserBackend(opts: BrowserLoadOptions = {}): Backend {
  const ort = opts.ort ?? ortWeb;
  if (opts.wasmPaths !== undefined) ort.env.wasm.wasmPaths = opts.wasmPaths;
  if (opts.numThreads !== undefined) ort.env.wasm.numThreads = opts.numThreads;
  else if (runsInNode()) ort.env.wasm.numThreads = 1; // threaded wasm does not start in Node
  return {
    platform: 'browser',
    ort: ort as unknown as OrtLike,
    sessionOptions: (ep: ExecutionProvider) => ({ executionProviders: [ep], graphOptimizationLevel: 'all' }),
    explain(ep: ExecutionProvider, err: unknown): Error {
      return new Error(`onnxruntime-web could not load the model on ${ep}: ${message(err)}`);
    },
  };
}

export class Generator extends GeneratorBase {
  /** `src`: a URL to fetch, or the model bytes; a v2 model URL (`.../v2/models/NAME`) runs there (remote.ts). */
  static async load(src: string | URL | ArrayBuffer | Uint8Array, opts: BrowserLoadOptions = {}): Promise<Generator> {
    const url = typeof src === 'string' || src instanceof URL ? String(src) : null;
    if (url && isRemoteModelUrl(url)) return new Generator(await openRemote(url, opts));
    let bytes: Uint8Array;
    let what = 'model';
    if (src instanceof Uint8Array) bytes = src;
    else if (src instanceof ArrayBuffer) bytes = new Uint8Array(src);
    else {
      what = String(src);
      let res: Response;
      try {
        res = await fetch(src);
      } catch (e) {
        throw new Error(`cannot fetch model ${what}: ${message(e)}`);
      }
      if (!res.ok) throw new Error(`cannot fetch model ${what}: HTTP ${res.status} ${res.statusText}`);
      bytes = new Uint8Array(await res.arrayBuffer());
    }
    const backend = browserBackend(opts);
    // Ask WebGPU for an adapter first: a missing one then gets a message that says why.
    const device = opts.device ?? 'auto';
    if (device === 'webgpu' || device === 'auto') {
      const why = await hasWebGpuAdapter();
      if (why) {
        if (device === 'webgpu' && !opts.fallback) throw new Error(`device webgpu is not available: ${why}`);
        const init = await openSession(bytes, backend, { ...opts, device: 'wasm', fallback: false }, what);
        return new Generator({ ...init, requested: device, fallback: { from: 'webgpu', reason: why } });
      }
    }
    return new Generator(await openSession(bytes, backend, opts, what));
  }
}

export function toImageData(img: RGBAImage): ImageData {
  return new ImageData(new Uint8ClampedArray(img.data), img.width, img.height);
}

/** Draws at 1:1 and resizes the canvas to fit (scale with CSS `image-rendering: pixelated`). */
export function drawToCanvas(canvas: HTMLCanvasElement | OffscreenCanvas, img: RGBAImage): void {
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if (!ctx) throw new Error('canvas has no 2d context');
  ctx.putImageData(toImageData(img), 0, 0);
}

export { ortWeb as ort };
