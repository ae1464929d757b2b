/**
 * A generator behind a v2 (Open Inference Protocol) server: `cgan serve` or Triton. It plugs into
 * GeneratorBase as a session whose run() is an HTTP infer call, so labels, seeds, checks and the
 * result type are the local generator's. Browser-safe: fetch only.
 *
 * What the model is comes from the server: shapes and datatypes from the model metadata, the
 * exporter's metadata_props from the metadata `parameters` (`cgan serve`) or from the model
 * configuration's `parameters` (`GET .../config`, which Triton serves and `cgan export --triton`
 * fills), and then the same checks a local .onnx gets (modelInfoFromSummary).
 */
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

export interface RemoteLoadOptions extends LoadOptions {
  /** Extra request headers (e.g. authorization for a proxy in front of the server). */
  headers?: Record<string, string>;
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

async function call(url: string, init: RequestInit): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(url, init);
    } catch (e) {
      throw new Error(`cannot reach ${url} (${message(e)}): is the server running, and is the URL right?`);
    }
    if (res.status !== 503 || attempt >= RETRIES_ON_BUSY) return res;
    const wait = Math.min(MAX_RETRY_WAIT_MS, 1000 * (Number(res.headers.get('retry-after')) || 1));
    await res.body?.cancel();
    await new Promise((r) => setTimeout(r, wait));
  }
}

async function errorOf(res: Response, what: string): Promise<Error> {
  let detail = res.statusText;
  try {
    const body = (await res.json()) as { error?: unknown };
    if (typeof body.error === 'string') detail = body.error;
  } catch {
    // not JSON: keep the status text
  }
  return new Error(`${what}: HTTP ${res.status}: ${detail}`);
}

async function getJson(url: string, headers: Record<string, string>, what: string): Promise<unknown> {
  const res = await call(url, { headers });
  if (!res.ok) throw await errorOf(res, what);
  return res.json();
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
  const meta = (await getJson(base, headers, `model metadata ${base}`)) as V2ModelMetadata;
  if (!meta || !Array.isArray(meta.inputs) || !Array.isArray(meta.outputs)) {
    throw new Error(
      `${base} did not answer with v2 model metadata (no inputs/outputs): is it a /v2/models/<name> URL?`,
    );
  }
  // Triton's configuration route; `cgan serve` has it too. A plain KServe server may not.
  const configRes = await call(`${base}/config`, { headers });
  const config: unknown = configRes.ok ? await configRes.json() : null;
  if (!configRes.ok) await configRes.body?.cancel();
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
    const res = await call(`${base}/infer`, init);
    if (!res.ok) throw await errorOf(res, `infer on ${base}`);
    const jsonBytes = Number(res.headers.get(BINARY_HEADER) ?? NaN);
    const raw = new Uint8Array(await res.arrayBuffer());
    const head = Number.isInteger(jsonBytes) ? raw.subarray(0, jsonBytes) : raw;
    const outs = (JSON.parse(new TextDecoder().decode(head)) as V2InferResponse).outputs ?? [];
    const out = outs.find((o) => o.name === TENSOR.image);
    const want = shape(n);
    if (!out || out.datatype !== 'FP32' || out.shape?.join() !== want.join()) {
      throw new Error(
        `${base} answered ${out ? `image ${out.datatype} [${out.shape}]` : 'no "image" output'}, ` +
          `expected FP32 [${want}]`,
      );
    }
    const size = Number(out.parameters?.binary_data_size ?? NaN);
    if (!Number.isInteger(size)) {
      // The server sent JSON numbers (it has no binary extension, or chose not to use it).
      const values = flattenData(out.data) as number[];
      if (values.length !== n * plane)
        throw new Error(`${base} answered ${values.length} image values, expected ${n * plane}`);
      return Float32Array.from(values);
    }
    // Binary outputs follow the header in the order of `outputs`.
    let at = jsonBytes;
    for (const o of outs) {
      if (o === out) break;
      at += Number(o.parameters?.binary_data_size ?? 0);
    }
    if (size !== n * plane * 4 || at + size > raw.length)
      throw new Error(`${base} answered ${size} image bytes, expected ${n * plane * 4}`);
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
