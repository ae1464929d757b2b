/**
 * Node entry of the runtime: onnxruntime-node (cpu, cuda, webgpu), model files, PNG and raw
 * float32 files. Same Generator API as runtime/browser.ts.
 */
import { existsSync, promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ortNode from 'onnxruntime-node';
import type { ExecutionProvider } from './devices.ts';
import { GeneratorBase, openSession, type Backend, type LoadOptions, type OrtLike } from './generator.ts';
import type { ImageBatch } from './images.ts';
import { BadFileError } from './errors.ts';
import { readFileChecked, readModelFile } from './files.ts';
import { MAX_IMAGES_PER_REQUEST } from './limits.ts';
import { readModelInfo, type ModelInfo } from './model-info.ts';
import {
  abortable,
  checkDtypeName,
  fetchModel,
  isHttpUrl,
  throwIfAborted,
  urlWithDtype,
  withDtype,
  type SourceOptions,
} from './model-source.ts';
import { isRemoteModelUrl, openRemote, type RemoteOptions } from './remote.ts';

export * from './shared.ts';
export { readModelFile };

/** For a v2 URL, the remote options (headers, timeoutMs, signal) apply too. */
export interface NodeLoadOptions extends LoadOptions, RemoteOptions {
  /** Names bytes passed to `load` in messages (a path is its own name). */
  what?: string;
  /** Intra-op threads for the cpu EP (default: onnxruntime's choice, one per core). */
  numThreads?: number;
  /**
   * false: the cpu EP's threads sleep between runs instead of spinning (onnxruntime spins by
   * default). A server wants this: its JS thread needs the cores between runs (docs/serving.md).
   */
  spinning?: boolean;
}

const CUDA_HELP =
  'onnxruntime-node ships without its CUDA provider; on a Linux x64 machine with an NVIDIA GPU, CUDA 12 and cuDNN 9, ' +
  'run its download step with `ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install` ' +
  "(npm 11 does not run dependencies' install scripts unless package.json allowScripts lets it), or use --device cpu";
const WEBGPU_HELP =
  "onnxruntime-node's WebGPU EP (Linux: Dawn over Vulkan) found no GPU adapter; " +
  'it needs the Vulkan loader (libvulkan1) and a ' +
  "GPU's Vulkan driver (Mesa's lavapipe is not accepted; Debian's Chromium ships SwiftShader, which works, slowly: " +
  'LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json), or use --device cpu';

/**
 * The CUDA EP is a separate shared library that onnxruntime-node's install script downloads next
 * to its binding. Returns the missing file, or null when present or when the layout is unknown.
 */
export function missingCudaLibrary(): string | null {
  let dir: string;
  try {
    const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
    dir = path.join(path.dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
  if (!existsSync(dir)) return null;
  const names =
    process.platform === 'win32'
      ? ['onnxruntime_providers_shared.dll', 'onnxruntime_providers_cuda.dll']
      : ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'];
  for (const n of names) if (!existsSync(path.join(dir, n))) return path.join(dir, n);
  return null;
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].trim();
}

export function nodeBackend(opts: NodeLoadOptions = {}): Backend {
  return {
    platform: 'node',
    ort: ortNode as unknown as OrtLike,
    sessionOptions: (ep: ExecutionProvider) => ({
      executionProviders: [ep],
      graphOptimizationLevel: 'all',
      ...(opts.numThreads ? { intraOpNumThreads: opts.numThreads } : {}),
      ...(opts.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
    }),
    precheck(ep: ExecutionProvider): Error | null {
      if (ep !== 'cuda') return null;
      const missing = missingCudaLibrary();
      return missing ? new Error(`device cuda is not available: ${CUDA_HELP} (missing ${missing})`) : null;
    },
    explain(ep: ExecutionProvider, err: unknown): Error {
      const m = message(err);
      if (ep === 'cuda') {
        // The provider library is there (precheck passed) but did not start: its own dependencies.
        return new Error(
          `device cuda is not available: onnxruntime-node's CUDA provider is installed but failed to start; ` +
            `it needs an NVIDIA GPU and driver, and CUDA 12 and cuDNN 9 libraries ` +
            `on the library path (LD_LIBRARY_PATH); ` +
            `or use --device cpu (onnxruntime: ${m})`,
        );
      }
      if (ep === 'webgpu' && /adapter|vulkan|webgpu|dawn/i.test(m)) {
        return new Error(`device webgpu is not available: ${WEBGPU_HELP} (onnxruntime: ${m})`);
      }
      return new Error(`onnxruntime-node could not load the model on ${ep}: ${m}`);
    },
  };
}

/** What `Generator.load` takes in Node. */
export type NodeModelSource = string | URL | Uint8Array | ArrayBuffer;

/**
 * The bytes of a path, a file: URL or an http(s) URL (`dtype` picks the file), or bytes as given;
 * `what` names them in messages.
 */
export async function readModelSource(
  src: NodeModelSource,
  opts: SourceOptions & { dtype?: NodeLoadOptions['dtype']; what?: string } = {},
): Promise<{ bytes: Uint8Array; what: string }> {
  throwIfAborted(opts.signal);
  if (src instanceof Uint8Array) return { bytes: src, what: opts.what ?? 'model' };
  if (src instanceof ArrayBuffer) return { bytes: new Uint8Array(src), what: opts.what ?? 'model' };
  if (isHttpUrl(src)) {
    const url = urlWithDtype(new URL(String(src)), opts.dtype).href;
    return { bytes: await fetchModel(url, opts), what: url };
  }
  const file = withDtype(src instanceof URL || src.startsWith('file:') ? fileURLToPath(src) : src, opts.dtype);
  const bytes = await readModelFile(file);
  throwIfAborted(opts.signal);
  opts.onProgress?.({ loaded: bytes.byteLength, total: bytes.byteLength, url: file, cached: false });
  return { bytes, what: file };
}

export class Generator extends GeneratorBase {
  /**
   * `src`: an .onnx path, a file: or http(s) URL (downloaded, at most MAX_MODEL_BYTES), the bytes,
   * or a v2 model URL (`http://host:8000/v2/models/NAME`, runtime/remote.ts).
   */
  static async load(src: NodeModelSource, opts: NodeLoadOptions = {}): Promise<Generator> {
    checkDtypeName(opts.dtype);
    if ((typeof src === 'string' || src instanceof URL) && isRemoteModelUrl(String(src))) {
      // remote.ts's own requests do not take the signal yet: stop waiting for them instead.
      const init = await abortable(openRemote(String(src), opts), opts.signal);
      return new Generator(init);
    }
    const { bytes, what } = await readModelSource(src, opts);
    return new Generator(await openSession(bytes, nodeBackend(opts), opts, what));
  }
}

/** Reads and checks an exported model's description without creating a session. */
export async function loadModelInfo(file: string): Promise<ModelInfo> {
  return readModelInfo(await readModelFile(file), file);
}

export { encodePng, writePng } from './png.ts';

/** Raw little-endian float32 noise, [count, zDim]. */
export async function readNoiseFile(file: string, count: number, zDim: number): Promise<Float32Array> {
  // The largest noise a request can use: a bigger file is surely not noise for it.
  const bytes = await readFileChecked(file, {
    what: 'noise file',
    maxBytes: MAX_IMAGES_PER_REQUEST * zDim * 4,
    limitName: `the noise size limit (${MAX_IMAGES_PER_REQUEST} images x zDim ${zDim} x 4 bytes)`,
    error: BadFileError,
  });
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const want = count * zDim * 4;
  if (b.byteLength !== want) {
    throw new BadFileError(
      `noise file ${file} has ${b.byteLength} bytes; ${count} images x zDim ${zDim} x 4 bytes (float32) need ${want}` +
        (b.byteLength % (zDim * 4) === 0 ? ` (it holds noise for ${b.byteLength / (zDim * 4)} images)` : ''),
    );
  }
  const out = new Float32Array(count * zDim);
  for (let i = 0; i < out.length; i++) {
    out[i] = b.readFloatLE(i * 4);
    // A NaN in a file is the file's fault (exit 3), not the request's.
    if (!Number.isFinite(out[i])) {
      throw new BadFileError(
        `noise file ${file}: value ${i} (image ${Math.floor(i / zDim)}, dim ${i % zDim}) is ${out[i]}; ` +
          `noise must be finite`,
      );
    }
  }
  return out;
}

/** Images exactly as the model output them: raw little-endian float32, NCHW. */
export async function writeRawImages(file: string, images: ImageBatch): Promise<void> {
  await fs.writeFile(file, encodeRawImages(images));
}

export function encodeRawImages(images: ImageBatch): Buffer {
  const b = Buffer.alloc(images.data.length * 4);
  for (let i = 0; i < images.data.length; i++) b.writeFloatLE(images.data[i], i * 4);
  return b;
}

export { ortNode as ort };
