/**
 * The browser's copy of downloaded models, in the Cache API (as transformers.js keeps its files):
 * a model fetched once by URL loads from the cache on the next visit, with no network. Keyed by the
 * URL as loaded (an fp16 file is its own entry). Entries are written only after the model passed its
 * checks and a session was created from it, so a damaged download is never kept. Where the Cache
 * API is missing (Node, an insecure http: page other than localhost) every call does nothing.
 */
import { formatBytes, MAX_MODEL_BYTES } from './limits.ts';

/** The cache (`caches.open(MODEL_CACHE_NAME)`) that holds the models. */
export const MODEL_CACHE_NAME = 'cgan-onnx-models';

function storage(): CacheStorage | null {
  const c = (globalThis as { caches?: CacheStorage }).caches;
  return c && typeof c.open === 'function' ? c : null;
}

/** The cached bytes of `url`, or null (not cached, no Cache API, or a cache that fails to open). */
export async function cachedModel(url: string): Promise<Uint8Array | null> {
  const caches = storage();
  if (!caches) return null;
  try {
    const hit = await (await caches.open(MODEL_CACHE_NAME)).match(url);
    if (!hit) return null;
    const bytes = new Uint8Array(await hit.arrayBuffer());
    return bytes.byteLength > 0 && bytes.byteLength <= MAX_MODEL_BYTES ? bytes : null;
  } catch {
    return null; // storage disabled or evicted: fetch instead
  }
}

/** Keeps `bytes` as `url`'s model; a full quota or a refused write only costs the next visit a download. */
export async function keepModel(url: string, bytes: Uint8Array): Promise<boolean> {
  const caches = storage();
  if (!caches) return false;
  try {
    const headers = { 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength) };
    const body = new Uint8Array(bytes); // a copy: onnxruntime may hold the original
    await (await caches.open(MODEL_CACHE_NAME)).put(url, new Response(body, { headers }));
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes one model (`url`, as it was loaded; with `dtype` applied) or, with no argument, every
 * model this package cached. Resolves to the number of entries removed.
 */
export async function clearModelCache(url?: string | URL): Promise<number> {
  const caches = storage();
  if (!caches) return 0;
  if (url === undefined) {
    const cache = await caches.open(MODEL_CACHE_NAME);
    const n = (await cache.keys()).length;
    await caches.delete(MODEL_CACHE_NAME);
    return n;
  }
  if (!(await caches.has(MODEL_CACHE_NAME))) return 0;
  return (await (await caches.open(MODEL_CACHE_NAME)).delete(String(url))) ? 1 : 0;
}

/** For messages: what the cache holds, e.g. "2 models, 12.8 MiB". */
export async function describeModelCache(): Promise<{ models: number; bytes: number; text: string }> {
  const caches = storage();
  if (!caches || !(await caches.has(MODEL_CACHE_NAME))) return { models: 0, bytes: 0, text: '0 models' };
  const cache = await caches.open(MODEL_CACHE_NAME);
  let bytes = 0;
  const keys = await cache.keys();
  for (const k of keys) bytes += Number((await cache.match(k))?.headers.get('content-length') ?? 0);
  return { models: keys.length, bytes, text: `${keys.length} models, ${formatBytes(bytes)}` };
}
