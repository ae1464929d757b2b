/**
 * Where a model's bytes come from, for both entries: an http(s) download with a size cap, progress
 * and an AbortSignal, the fp16 file beside an fp32 one (`dtype`), and the checks that the bytes are
 * what was asked for. Browser-safe (fetch, streams and AbortSignal only); Node adds paths (node.ts),
 * the browser adds the Cache API (model-cache.ts).
 */
import { concatBytes } from './bytes.ts';
import { BadModelError, BadRequestError } from './errors.ts';
import { formatBytes, MAX_MODEL_BYTES } from './limits.ts';
import type { ModelInfo } from './model-info.ts';

/** Which file of a model: `x.onnx` (float32 weights) or `x.fp16.onnx` (`cgan export --fp16`). */
export type ModelDtype = 'fp32' | 'fp16';
export const MODEL_DTYPES: readonly ModelDtype[] = ['fp32', 'fp16'];

/** One progress report while a model's bytes arrive (as transformers.js's `progress_callback`). */
export interface LoadProgress {
  /** Bytes received so far (decoded: after any Content-Encoding). */
  loaded: number;
  /** The model's size when known (Content-Length of an unencoded response, a file's size), else null. */
  total: number | null;
  /** The URL or path being read. */
  url: string;
  /** True when the bytes came from the browser's model cache instead of the network. */
  cached: boolean;
}

export interface SourceOptions {
  /** Cancels the download (and, in `Generator.load`, the load): rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Called as bytes arrive, once per chunk; the last call has loaded === total. */
  onProgress?: (p: LoadProgress) => void;
}

/**
 * The file of `name` with the given dtype, by the exporter's convention (export/export.ts
 * fp16Path): `m.onnx` -> `m.fp16.onnx`. fp32 and undefined leave the name as it is (an fp16 name
 * asked for as fp32 then fails the precision check, `checkDtype`).
 */
export function withDtype(name: string, dtype: ModelDtype | undefined): string {
  if (dtype === undefined || dtype === 'fp32' || name.endsWith('.fp16.onnx')) return name;
  return name.endsWith('.onnx') ? `${name.slice(0, -'.onnx'.length)}.fp16.onnx` : `${name}.fp16.onnx`;
}

/** `withDtype` on a URL's path, keeping its query and fragment. */
export function urlWithDtype(url: URL, dtype: ModelDtype | undefined): URL {
  const out = new URL(url.href);
  out.pathname = withDtype(url.pathname, dtype);
  return out;
}

/** Refuses an unknown dtype before anything is read. */
export function checkDtypeName(dtype: unknown): ModelDtype | undefined {
  if (dtype === undefined || MODEL_DTYPES.includes(dtype as ModelDtype)) return dtype as ModelDtype | undefined;
  throw new BadRequestError(`dtype ${JSON.stringify(dtype)} is not one of ${MODEL_DTYPES.join(', ')}`);
}

/** The loaded weights must be the precision `dtype` asked for (bytes passed in carry no file name). */
export function checkDtype(info: ModelInfo, dtype: ModelDtype | undefined, what: string): void {
  if (dtype === undefined) return;
  const want = dtype === 'fp16' ? 'float16' : 'float32';
  if (info.precision !== want)
    throw new BadModelError(
      `${what}: dtype '${dtype}' asks for ${want} weights, but the model holds ${info.precision}`,
    );
}

/** True for an http: or https: URL (string or URL). */
export function isHttpUrl(src: unknown): boolean {
  const s = src instanceof URL ? src.href : typeof src === 'string' ? src : '';
  return /^https?:\/\//i.test(s);
}

/** What `signal` was aborted with (an AbortError DOMException unless the caller gave a reason). */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

/**
 * Rejects as soon as `signal` aborts, for work that cannot itself be cancelled (a session being
 * created, a remote server's reply); the work runs on, and `onLate` gets its result to release it.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, onLate?: (v: T) => void): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.then(onLate, () => {});
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      work.then(onLate, () => {});
      reject(abortReason(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) return; // rejected already; onLate has it
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The model's size from the headers, or null when unknown or compressed (decoded bytes differ). */
function declaredSize(res: Response): number | null {
  const encoding = res.headers.get('content-encoding');
  if (encoding && encoding !== 'identity') return null;
  const n = Number(res.headers.get('content-length') ?? NaN);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/**
 * Downloads a model: refuses one over `maxBytes` by its Content-Length before reading, stops reading
 * one that passes it, reports progress per chunk, and rejects with `signal.reason` when aborted.
 */
export async function fetchModel(
  url: string,
  opts: SourceOptions & { maxBytes?: number; fetch?: typeof fetch } = {},
): Promise<Uint8Array> {
  const maxBytes = opts.maxBytes ?? MAX_MODEL_BYTES;
  const limit = `the model size limit of ${formatBytes(maxBytes)}`;
  throwIfAborted(opts.signal);
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url, { signal: opts.signal });
  } catch (e) {
    throwIfAborted(opts.signal);
    throw new BadModelError(`cannot fetch model ${url}: ${message(e)}`);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new BadModelError(`cannot fetch model ${url}: HTTP ${res.status} ${res.statusText}`.trim());
  }
  const total = declaredSize(res);
  if (total !== null && total > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw new BadModelError(`model ${url} is ${formatBytes(total)}, over ${limit}; is it the right URL?`);
  }
  const report = (loaded: number) => opts.onProgress?.({ loaded, total, url, cached: false });
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = res.body?.getReader();
  try {
    for (;;) {
      if (!reader) break;
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.byteLength;
      if (loaded > maxBytes) throw new BadModelError(`model ${url} sent more than ${limit}; is it the right URL?`);
      report(loaded);
    }
  } catch (e) {
    await reader?.cancel().catch(() => {});
    throwIfAborted(opts.signal);
    if (e instanceof BadModelError) throw e;
    throw new BadModelError(`cannot fetch model ${url}: the download failed after ${loaded} bytes (${message(e)})`);
  }
  if (total !== null && loaded !== total)
    throw new BadModelError(`model ${url}: the server announced ${total} bytes and sent ${loaded}`);
  // The last chunk's report had loaded === total when the size was known; otherwise say it now.
  if (total === null) opts.onProgress?.({ loaded, total: loaded, url, cached: false });
  return concatBytes(chunks);
}
