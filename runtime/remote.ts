/**
 * A generator behind a v2 (Open Inference Protocol) server: `cgan serve` or Triton. It plugs into
 * GeneratorBase as a session whose run() is an HTTP infer call, so labels, seeds, checks and the
 * result type are the local generator's. Browser-safe: fetch only.
 *
 * What the model is comes from the server: shapes and datatypes from the model metadata, the
 * exporter's metadata_props from the metadata `parameters` (`cgan serve`) or from the model
 * configuration's `parameters` (`GET .../config`, which Triton serves and `cgan export --triton`
 * fills), and then the same checks a local .onnx gets (modelInfoFromSummary).
 *
 * A server cannot hang or flood the client: every request has a timeout (default 30 s) and the
 * caller's AbortSignal, every answer is read up to a size cap, and an answer that is not what the
 * protocol says (not JSON, wrong lengths, values outside [-1, 1]) is a RemoteError naming the URL.
 */
import { concatBytes } from './bytes.ts';
import type { GeneratorInit, LoadOptions, OrtLike, OrtSessionLike, OrtTensorLike } from './generator.ts';
import { TENSOR } from './generator-contract.ts';
import { modelInfoFromSummary } from './model-info.ts';
import {
  BINARY_HEADER,
  flattenData,
  fromV2Metadata,
  type V2InferRequest,
  type V2InferResponse,
  type V2ModelMetadata,
} from './v2-protocol.ts';

/** Tries after the first when the server answers 503 (queue full), waiting as its Retry-After says. */
const RETRIES_ON_BUSY = 3;
const MAX_RETRY_WAIT_MS = 5000;

/** Per request, from sending it to the last byte of its answer, unless `timeoutMs` says otherwise. */
export const REMOTE_TIMEOUT_MS = 30_000;
/** Largest metadata, configuration or error answer read (a model's metadata is a few KiB). */
export const MAX_REMOTE_JSON_BYTES = 4 * 1024 * 1024;

/** What a remote model's requests take; Generator.load passes these through for a v2 URL. */
export interface RemoteOptions {
  /** Extra request headers (e.g. authorization for a proxy in front of the server). */
  headers?: Record<string, string>;
  /** Each request's limit, in ms, from sending it to its answer's last byte (default 30,000). */
  timeoutMs?: number;
  /** Aborts every request of this generator (the load, and later generate calls). */
  signal?: AbortSignal;
}

export interface RemoteLoadOptions extends LoadOptions, RemoteOptions {}

/** The server (or what answered at its URL) failed or broke the protocol; `url` is the request's. */
export class RemoteError extends Error {
  constructor(
    readonly url: string,
    message: string,
  ) {
    super(`${url}: ${message}`);
    this.name = 'RemoteError';
  }
}

/** True for an http(s) URL naming a v2 model: `.../v2/models/<name>` (optionally `/versions/<v>`). */
export function isRemoteModelUrl(src: string): boolean {
  if (!/^https?:\/\//i.test(src)) return false;
  try {
    return /\/v2\/models\/[^/]+(\/versions\/[^/]+)?\/?$/.test(new URL(src).pathname);
  } catch {
    return false;
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

interface Net {
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * One request: a timeout covering its answer's body too (read it with readCapped inside `use`),
 * the caller's signal, and 503 retried after its Retry-After.
 */
async function call<T>(url: string, init: RequestInit, net: Net, use: (res: Response) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const ac = new AbortController();
    const timer = setTimeout(
      () => ac.abort(new RemoteError(url, `no answer within ${net.timeoutMs} ms (timeoutMs)`)),
      net.timeoutMs,
    );
    const onAbort = () => ac.abort(net.signal?.reason ?? new RemoteError(url, 'aborted'));
    if (net.signal?.aborted) onAbort();
    net.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      let res: Response;
      try {
        res = await fetch(url, { ...init, signal: ac.signal });
      } catch (e) {
        if (ac.signal.aborted) throw ac.signal.reason;
        throw new RemoteError(url, `cannot reach it (${message(e)}): is the server running, and is the URL right?`);
      }
      if (res.status !== 503 || attempt >= RETRIES_ON_BUSY) {
        try {
          return await use(res);
        } catch (e) {
          if (ac.signal.aborted) throw ac.signal.reason;
          throw e;
        }
      }
      const wait = Math.min(MAX_RETRY_WAIT_MS, 1000 * (Number(res.headers.get('retry-after')) || 1));
      await res.body?.cancel();
      await new Promise((r) => setTimeout(r, wait));
    } finally {
      clearTimeout(timer);
      net.signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** The whole body, refused past `cap` bytes (announced or actual), so an endless answer costs no memory. */
async function readCapped(res: Response, url: string, cap: number): Promise<Uint8Array> {
  const tooBig = (n: string) => new RemoteError(url, `the answer is ${n} bytes, over the ${cap}-byte limit for it`);
  const declared = Number(res.headers.get('content-length'));
  if (declared > cap) {
    await res.body?.cancel();
    throw tooBig(String(declared));
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > cap) {
      await reader.cancel();
      throw tooBig(`over ${cap}`);
    }
    parts.push(value);
  }
  return concatBytes(parts);
}

function parseJson(bytes: Uint8Array, url: string, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new RemoteError(url, `its ${what} is not JSON (${message(e)}): is this a KServe v2 / Triton server?`);
  }
}

async function errorOf(res: Response, url: string, what: string): Promise<Error> {
  let detail = res.statusText;
  try {
    const body = JSON.parse(new TextDecoder().decode(await readCapped(res, url, MAX_REMOTE_JSON_BYTES))) as {
      error?: unknown;
    };
    if (typeof body?.error === 'string') detail = body.error;
  } catch {
    // not JSON, or too long: keep the status text
  }
  return new RemoteError(url, `${what}: HTTP ${res.status}: ${detail}`);
}

async function getJson(url: string, headers: Record<string, string>, net: Net, what: string): Promise<unknown> {
  return call(url, { headers }, net, async (res) => {
    if (!res.ok) throw await errorOf(res, url, what);
    return parseJson(await readCapped(res, url, MAX_REMOTE_JSON_BYTES), url, what);
  });
}

/** A model configuration's `parameters` (Triton JSON: { key: { string_value } }) as plain strings. */
function configParameters(config: unknown): Record<string, string> {
  const p = (config as { parameters?: Record<string, { string_value?: unknown }> } | null)?.parameters ?? {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(p)) if (typeof v?.string_value === 'string') out[k] = v.string_value;
  return out;
}

class RemoteTensor implements OrtTensorLike {
  constructor(
    readonly type: 'float32' | 'int64',
    readonly data: Float32Array | BigInt64Array,
    readonly dims: readonly number[],
  ) {}
}

/** Opens a v2 model as a generator session. `url`: `http://host:port/v2/models/<name>`. */
export async function openRemote(url: string, opts: RemoteLoadOptions = {}): Promise<GeneratorInit> {
  const base = url.replace(/\/+$/, '');
  const headers = { accept: 'application/json', ...opts.headers };
  const net: Net = { timeoutMs: opts.timeoutMs ?? REMOTE_TIMEOUT_MS, signal: opts.signal };
  const meta = (await getJson(base, headers, net, 'model metadata')) as V2ModelMetadata;
  const tensorList = (l: unknown) =>
    Array.isArray(l) &&
    l.every(
      (t) =>
        typeof t?.name === 'string' &&
        typeof t?.datatype === 'string' &&
        Array.isArray(t?.shape) &&
        t.shape.every(Number.isInteger),
    );
  if (!meta || !tensorList(meta.inputs) || !tensorList(meta.outputs)) {
    throw new RemoteError(
      base,
      'it did not answer with v2 model metadata (inputs and outputs, each {name, datatype, shape}): ' +
        'is it a /v2/models/<name> URL?',
    );
  }
  // Triton's configuration route; `cgan serve` has it too. A plain KServe server may not.
  const config: unknown = await call(`${base}/config`, { headers }, net, async (res) => {
    if (!res.ok) {
      await res.body?.cancel();
      return null;
    }
    return parseJson(await readCapped(res, `${base}/config`, MAX_REMOTE_JSON_BYTES), `${base}/config`, 'configuration');
  });
  const fromMeta = Object.fromEntries(
    Object.entries(meta.parameters ?? {}).filter(([, v]) => typeof v === 'string'),
  ) as Record<string, string>;
  const props = fromMeta.format ? fromMeta : configParameters(config);

  // Triton cannot describe a [batch] tensor: its repository gives `label` dims [1] (reshaped to []),
  // so its metadata says [-1, 1]. Send what the server describes; check it as the graph's [batch].
  const labelMeta = meta.inputs.find((t) => t.name === TENSOR.label);
  const labelAsColumn = labelMeta?.shape.length === 2 && labelMeta.shape[1] === 1;
  const inputs = meta.inputs.map((t) => fromV2Metadata(t === labelMeta && labelAsColumn ? { ...t, shape: [-1] } : t));
  const info = modelInfoFromSummary(
    {
      metadata: props,
      inputs,
      outputs: meta.outputs.map(fromV2Metadata),
      opset: 0,
      producerName: '',
      producerVersion: '',
    },
    base,
  );
  const maxBatch = Number((config as { max_batch_size?: unknown } | null)?.max_batch_size) || Infinity;
  const shape = (n: number) => [n, info.channels, info.imageSize, info.imageSize];
  const plane = info.channels * info.imageSize * info.imageSize;
  const inferUrl = `${base}/infer`;

  const inferOnce = async (z: Float32Array, labels: BigInt64Array, n: number): Promise<Float32Array> => {
    const body: V2InferRequest = {
      inputs: [
        { name: TENSOR.z, datatype: 'FP32', shape: [n, info.zDim], data: Array.from(z) },
        {
          name: TENSOR.label,
          datatype: 'INT64',
          shape: labelAsColumn ? [n, 1] : [n],
          data: Array.from(labels, Number),
        },
      ],
      // Raw float32 bytes instead of JSON numbers: ~4x smaller and no number printing or parsing.
      outputs: [{ name: TENSOR.image, parameters: { binary_data: true } }],
    };
    const init = {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    };
    // The header is JSON of a few hundred bytes; the values at most ~25 characters each as JSON numbers.
    const cap = 1024 * 1024 + n * plane * 32;
    const raw = await call(inferUrl, init, net, async (res) => {
      if (!res.ok) throw await errorOf(res, inferUrl, 'infer');
      return { bytes: await readCapped(res, inferUrl, cap), headerLength: res.headers.get(BINARY_HEADER) };
    });
    return checkImages(readInferAnswer(raw.bytes, raw.headerLength, n, inferUrl), inferUrl);
  };

  /** The image tensor of an infer answer, JSON or binary, with every length checked. */
  const readInferAnswer = (raw: Uint8Array, headerLength: string | null, n: number, url: string): Float32Array => {
    const fail = (why: string) => new RemoteError(url, `the infer answer ${why}`);
    let jsonBytes = raw.length;
    if (headerLength !== null) {
      jsonBytes = Number(headerLength);
      if (!/^\d+$/.test(headerLength) || jsonBytes > raw.length)
        throw fail(`says its JSON header is ${JSON.stringify(headerLength)} bytes, but the body has ${raw.length}`);
    }
    const answer = parseJson(raw.subarray(0, jsonBytes), url, 'infer answer') as V2InferResponse;
    const outs = Array.isArray(answer?.outputs) ? answer.outputs : [];
    const out = outs.find((o) => o?.name === TENSOR.image);
    const want = shape(n);
    if (!out || out.datatype !== 'FP32' || !Array.isArray(out.shape) || out.shape.join() !== want.join()) {
      throw fail(`has ${out ? `image ${out.datatype} [${out.shape}]` : 'no "image" output'}, expected FP32 [${want}]`);
    }
    const size = Number(out.parameters?.binary_data_size ?? Number.NaN);
    if (!Number.isInteger(size)) {
      // The server sent JSON numbers (it has no binary extension, or chose not to use it).
      const values = flattenData(out.data, want.length);
      if (values.length !== n * plane) throw fail(`has ${values.length} image values, expected ${n * plane}`);
      if (!values.every((v) => typeof v === 'number')) throw fail('has image values that are not numbers');
      return Float32Array.from(values as number[]);
    }
    // Binary outputs follow the header in the order of `outputs`.
    let at = jsonBytes;
    for (const o of outs) {
      if (o === out) break;
      const k = Number(o?.parameters?.binary_data_size ?? 0);
      if (!Number.isInteger(k) || k < 0) throw fail(`gives output ${o?.name} a binary_data_size of ${k}`);
      at += k;
    }
    if (size !== n * plane * 4) throw fail(`has ${size} image bytes, expected ${n * plane * 4}`);
    if (at + size > raw.length) throw fail(`is short: ${raw.length} bytes, the header announces ${at + size}`);
    return new Float32Array(raw.slice(at, at + size).buffer); // a copy: aligned for Float32Array
  };

  const session: OrtSessionLike = {
    async run(feeds) {
      const z = feeds.z.data as Float32Array;
      const labels = feeds.label.data as BigInt64Array;
      const n = labels.length;
      const data = new Float32Array(n * plane);
      // The server's max_batch_size bounds one request; larger runs go as several.
      const step = Math.min(n, maxBatch);
      for (let s = 0; s < n; s += step) {
        const k = Math.min(step, n - s);
        data.set(
          await inferOnce(z.subarray(s * info.zDim, (s + k) * info.zDim), labels.subarray(s, s + k), k),
          s * plane,
        );
      }
      return { image: new RemoteTensor('float32', data, shape(n)) };
    },
    async release() {},
  };
  // GeneratorBase only builds tensors with `ort`; there is no local session to create.
  const noSessions = () => Promise.reject(new Error('a remote generator creates no onnxruntime session'));
  const ort: OrtLike = { InferenceSession: { create: noSessions }, Tensor: RemoteTensor };
  return { info, device: 'remote', requested: opts.device ?? 'auto', fallback: null, session, ort };
}

/** A generator's images are in [-1, 1]: anything else is the server's fault, said as such (not "the weights"). */
function checkImages(values: Float32Array, url: string): Float32Array {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= -1 && v <= 1))
      throw new RemoteError(url, `the infer answer has image value ${v} at index ${i}; a generator's are in [-1, 1]`);
  }
  return values;
}
