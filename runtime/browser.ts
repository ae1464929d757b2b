/**
 * Browser entry of the runtime: onnxruntime-web (webgpu, wasm), URL loading, ImageData/canvas.
 * Same Generator API as runtime/node.ts. Runs in Node too (wasm only), which the parity tests use.
 */
import * as ortWeb from 'onnxruntime-web';
import type { ExecutionProvider } from './devices.ts';
import {
  GeneratorBase,
  openSession,
  type Backend,
  type GeneratorInit,
  type LoadOptions,
  type OrtLike,
} from './generator.ts';
import { asRGBA, type AnyImages, type GridOptions, type RGBAImage } from './images.ts';
import { BadModelError } from './errors.ts';
import { cachedModel, clearModelCache, keepModel } from './model-cache.ts';
import { abortable, checkDtypeName, fetchModel, throwIfAborted, urlWithDtype } from './model-source.ts';
import { isRemoteModelUrl, openRemote, type RemoteOptions } from './remote.ts';

export * from './shared.ts';
export { MODEL_CACHE_NAME, clearModelCache, describeModelCache } from './model-cache.ts';

type OrtWeb = typeof ortWeb;

/** For a v2 URL, the remote options (headers, timeoutMs, signal) apply too. */
export interface BrowserLoadOptions extends LoadOptions, RemoteOptions {
  /** Your own onnxruntime-web module (e.g. `import * as ort from 'onnxruntime-web/webgpu'`). */
  ort?: OrtWeb;
  /** Sets ort.env.wasm.wasmPaths: where the .wasm files are served from. */
  wasmPaths?: string;
  /** Sets ort.env.wasm.numThreads; more than 1 needs cross-origin isolation (COOP/COEP). */
  numThreads?: number;
  /**
   * Keep a model loaded from a URL in the Cache API and load it from there next time (default true;
   * `clearModelCache()` empties it). false: always download, keep nothing.
   */
  cache?: boolean;
  /**
   * On wasm, start onnxruntime-web's own start-up (its wasm fetch and compile) while a model URL
   * downloads (default true); false waits for the model first.
   */
  warmUp?: boolean;
}

/** What `Generator.load` takes in the browser. */
export type BrowserModelSource = string | URL | ArrayBuffer | Uint8Array;

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

/** A model's bytes from a URL (through the model cache unless `cache: false`) or as given. */
async function modelBytes(
  src: BrowserModelSource,
  opts: BrowserLoadOptions,
): Promise<{ bytes: Uint8Array; what: string; from: 'caller' | 'cache' | 'network' }> {
  if (src instanceof Uint8Array) return { bytes: src, what: 'model', from: 'caller' };
  if (src instanceof ArrayBuffer) return { bytes: new Uint8Array(src), what: 'model', from: 'caller' };
  const base = (globalThis as { location?: { href: string } }).location?.href;
  const url = urlWithDtype(new URL(String(src), base), opts.dtype).href;
  if (opts.cache ?? true) {
    const hit = await cachedModel(url);
    throwIfAborted(opts.signal);
    if (hit) {
      opts.onProgress?.({ loaded: hit.byteLength, total: hit.byteLength, url, cached: true });
      return { bytes: hit, what: url, from: 'cache' };
    }
  }
  return { bytes: await fetchModel(url, opts), what: url, from: 'network' };
}

/**
 * y = Identity(x), float32[1], opset 17: the 69-byte model web-demo/src/warmup.ts opens (its test
 * checks it still loads). A session on it starts onnxruntime-web's wasm start-up.
 */
const WARMUP_MODEL_B64 = 'CAgSABoAOjcKEAoBeBIBeSIISWRlbnRpdHkSAXdaDwoBeBIKCggIARIECgIIAWIPCgF5EgoKCAgBEgQKAggBQgQKABAR';

/**
 * Starts onnxruntime-web's wasm start-up (fetch and compile its 14-28 MB wasm) while the model
 * downloads: ORT does it on the first session and has no public call for it alone. wasm only: on
 * WebGPU an overlapping session hung headless Chromium (docs/web-demo.md). Never throws: a failure
 * here is the real load's to report.
 */
function warmUpWasm(ort: OrtWeb): void {
  const model = Uint8Array.from(atob(WARMUP_MODEL_B64), (c) => c.charCodeAt(0));
  ort.InferenceSession.create(model, { executionProviders: ['wasm'] }).then(
    (s) => s.release(),
    () => {},
  );
}

export class Generator extends GeneratorBase {
  /**
   * `src`: a URL to fetch (relative to the page; kept in the Cache API, see `cache`), or the model
   * bytes; a v2 model URL (`.../v2/models/NAME`) runs there (remote.ts).
   */
  static async load(src: BrowserModelSource, opts: BrowserLoadOptions = {}): Promise<Generator> {
    checkDtypeName(opts.dtype);
    const url = typeof src === 'string' || src instanceof URL ? String(src) : null;
    // remote.ts's own requests do not take the signal yet: stop waiting for them instead.
    if (url && isRemoteModelUrl(url)) return new Generator(await abortable(openRemote(url, opts), opts.signal));
    const backend = browserBackend(opts); // sets ORT's env before anything starts it
    const device = opts.device ?? 'auto';
    // The WebGPU probe and, on wasm, ORT's start-up run while the model downloads.
    const probe = device === 'webgpu' || device === 'auto' ? hasWebGpuAdapter() : Promise.resolve(null);
    if (url && opts.warmUp !== false)
      void probe.then((why) => {
        if (device === 'wasm' || device === 'cpu' || (device === 'auto' && why)) warmUpWasm(opts.ort ?? ortWeb);
      });
    const { bytes, what, from } = await modelBytes(src, opts);
    let init: GeneratorInit;
    try {
      init = await openBrowserSession(bytes, opts, what, backend, await probe);
    } catch (e) {
      // A cached copy that no longer loads (damaged, or refused by a newer runtime) is dropped.
      if (from === 'cache' && e instanceof BadModelError) await clearModelCache(what);
      throw e;
    }
    // Only a model that passed its checks and made a session is kept; a failed write costs nothing.
    if (from === 'network' && (opts.cache ?? true)) await keepModel(what, bytes);
    return new Generator(init);
  }
}

/** `noWebGpu`: why WebGPU is absent (hasWebGpuAdapter), or null when it is there or was not asked for. */
async function openBrowserSession(
  bytes: Uint8Array,
  opts: BrowserLoadOptions,
  what: string,
  backend: Backend,
  noWebGpu: string | null,
): Promise<GeneratorInit> {
  const device = opts.device ?? 'auto';
  if (noWebGpu && (device === 'webgpu' || device === 'auto')) {
    if (device === 'webgpu' && !opts.fallback) throw new Error(`device webgpu is not available: ${noWebGpu}`);
    const init = await openSession(bytes, backend, { ...opts, device: 'wasm', fallback: false }, what);
    return { ...init, requested: device, fallback: { from: 'webgpu' as const, reason: noWebGpu } };
  }
  return openSession(bytes, backend, opts, what);
}

/** Images (as a grid, `opts`) or an RGBA image as the DOM's ImageData. */
export function toImageData(img: AnyImages | RGBAImage, opts?: GridOptions): ImageData {
  const rgba = asRGBA(img, opts);
  return new ImageData(new Uint8ClampedArray(rgba.data), rgba.width, rgba.height);
}

/**
 * Draws images (as a grid, `opts`) or an RGBA image at 1:1 and resizes the canvas to fit (scale with
 * `opts.scale`, or CSS `image-rendering: pixelated`).
 */
export function drawToCanvas(
  canvas: HTMLCanvasElement | OffscreenCanvas,
  img: AnyImages | RGBAImage,
  opts?: GridOptions,
): void {
  const data = toImageData(img, opts);
  canvas.width = data.width;
  canvas.height = data.height;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if (!ctx) throw new Error('canvas has no 2d context');
  ctx.putImageData(data, 0, 0);
}

/** A new canvas holding the images: an HTMLCanvasElement in a page, an OffscreenCanvas in a worker. */
export function toCanvas(img: AnyImages | RGBAImage, opts?: GridOptions): HTMLCanvasElement | OffscreenCanvas {
  const doc = (globalThis as { document?: Document }).document;
  const canvas = doc ? doc.createElement('canvas') : new OffscreenCanvas(1, 1);
  drawToCanvas(canvas, img, opts);
  return canvas;
}

export interface BlobOptions extends GridOptions {
  /** Default 'image/png'; 'image/webp' and 'image/jpeg' as the browser supports them. */
  type?: string;
  /** 0-1, for lossy types. */
  quality?: number;
}

/** The images as an image file (PNG unless `opts.type`), e.g. for a download link or an upload. */
export async function toBlob(img: AnyImages | RGBAImage, opts: BlobOptions = {}): Promise<Blob> {
  const type = opts.type ?? 'image/png';
  const canvas = toCanvas(img, opts);
  if ('convertToBlob' in canvas) return canvas.convertToBlob({ type, quality: opts.quality });
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error(`the browser cannot encode ${type}`))), type, opts.quality),
  );
}

export { ortWeb as ort };
