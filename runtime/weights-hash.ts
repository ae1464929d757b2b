/**
 * The generator's weights hash, the one definition shared by the exporter (which stores it in the
 * model's metadata) and the runtime (which checks it at load). Browser-safe: the runtime hashes with
 * WebCrypto (`crypto.subtle`, global in Node 20 and in browsers).
 *
 * What is hashed: for each checkpoint tensor in GENERATOR_TENSORS order, its name, its shape as JSON
 * and its little-endian values, in the checkpoint's (tfjs) layout. The .onnx stores the same values
 * permuted to ONNX layouts; `checkpointTensors` undoes those permutations (exactly: they only move
 * values), so a float32 model's hash must equal `weights_sha256`. A float16 model's values are
 * rounded, so its stored values are hashed the same way into `weights_fp16_sha256`.
 */
import { BadModelError } from './errors.ts';
import type { ModelInfo } from './model-info.ts';
import { ProtoError, fields, int64, str } from './protobuf-reader.ts';

/** The checkpoint's generator tensors, in the canonical order of the weights hash. */
export const GENERATOR_TENSORS = [
  'generator.embedding',
  'generator.dense.kernel',
  'generator.dense.bias',
  'generator.deconv1.kernel',
  'generator.deconv1.bias',
  'generator.deconv2.kernel',
  'generator.deconv2.bias',
  'generator.conv.kernel',
  'generator.conv.bias',
] as const;

/** Metadata key of the float16 variant's hash (its rounded values, checkpoint layout). */
export const FP16_HASH_KEY = 'weights_fp16_sha256';

export type HashValues = Float32Array | Uint16Array;

export interface HashTensor {
  shape: number[];
  data: HashValues;
}

/** The byte chunks the hash is taken over, in order (the exporter feeds them to node:crypto). */
export function weightHashChunks(tensors: Record<string, HashTensor>): Uint8Array[] {
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [];
  for (const name of GENERATOR_TENSORS) {
    const t = tensors[name];
    if (!t) throw new Error(`internal: no tensor ${name} to hash`);
    const values = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    chunks.push(enc.encode(name), enc.encode(JSON.stringify(t.shape)), values);
  }
  return chunks;
}

export async function sha256Hex(chunks: Uint8Array[]): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) {
    // Browsers offer WebCrypto only to secure contexts (https, localhost), not to http on a LAN address.
    throw new Error(
      'cannot check the weights hash: WebCrypto (crypto.subtle) is unavailable here (not a secure context?); ' +
        'pass verify: false',
    );
  }
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  const digest = new Uint8Array(await subtle.digest('SHA-256', all));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

interface Initializer {
  dims: number[];
  dataType: number;
  raw: Uint8Array;
}

const FLOAT = 1;
const FLOAT16 = 10;

/** The graph's initializers by name (raw_data only: the exporter writes nothing else). */
function readInitializers(bytes: Uint8Array): Map<string, Initializer> {
  const out = new Map<string, Initializer>();
  for (const f of fields(bytes)) {
    if (f.no !== 7 || !f.bytes) continue; // ModelProto.graph
    for (const g of fields(f.bytes)) {
      if (g.no !== 5 || !g.bytes) continue; // GraphProto.initializer
      const t: Initializer = { dims: [], dataType: 0, raw: new Uint8Array(0) };
      let name = '';
      for (const e of fields(g.bytes)) {
        if (e.no === 1 && e.varint !== undefined) t.dims.push(int64(e.varint));
        else if (e.no === 1 && e.bytes) for (const d of packedVarints(e.bytes)) t.dims.push(d);
        else if (e.no === 2) t.dataType = e.varint ?? 0;
        else if (e.no === 8) name = str(e.bytes);
        else if (e.no === 9 && e.bytes) t.raw = e.bytes;
      }
      out.set(name, t);
    }
  }
  return out;
}

function packedVarints(b: Uint8Array): number[] {
  const out: number[] = [];
  let v = 0;
  let mul = 1;
  for (const byte of b) {
    v += (byte & 0x7f) * mul;
    if (byte & 0x80) mul *= 128;
    else {
      out.push(int64(v));
      v = 0;
      mul = 1;
    }
  }
  return out;
}

/**
 * ONNX kernel [b, a, kh, kw] back to tfjs [kh, kw, a, b] (the exporter's [3, 2, 0, 1] undone), as
 * four plain loops: this runs on every load, over ~0.5M values.
 */
function kernelToTfjs<T extends HashValues>(data: T, kh: number, kw: number, a: number, b: number): T {
  const out = new (data.constructor as new (n: number) => T)(data.length);
  let o = 0;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let x = 0; x < a; x++) {
        for (let y = 0; y < b; y++) out[o++] = data[((y * a + x) * kh + i) * kw + j];
      }
    }
  }
  return out;
}

/** Dense columns from ONNX's NCHW order `(ch*s + h)*s + w` back to tfjs's NHWC `(h*s + w)*c + ch`. */
function denseColumnsToNhwc<T extends HashValues>(data: T, rows: number, s: number, c: number): T {
  const cols = s * s * c;
  const out = new (data.constructor as new (n: number) => T)(data.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let h = 0; h < s; h++) {
      for (let w = 0; w < s; w++) {
        for (let ch = 0; ch < c; ch++) out[base + (h * s + w) * c + ch] = data[base + (ch * s + h) * s + w];
      }
    }
  }
  return out;
}

/**
 * The generator's weights in checkpoint names and layouts, read back from an exported model.
 * Throws BadModelError when a weight is missing or has the wrong size (a damaged file).
 */
export function checkpointTensors(bytes: Uint8Array, info: ModelInfo, what = 'model'): Record<string, HashTensor> {
  const fp16 = info.precision === 'float16';
  const g = Number(info.metadata.gen_channels);
  const embed = Number(info.metadata.embed_dim);
  const s = info.imageSize / 4;
  const rows = info.zDim + embed;
  let inits: Map<string, Initializer>;
  try {
    inits = readInitializers(bytes);
  } catch (e) {
    if (e instanceof ProtoError) {
      throw new BadModelError(`${what}: its weights cannot be read (protobuf: ${e.message}); the file is damaged`);
    }
    throw e;
  }
  const get = (onnxName: string, count: number): HashValues => {
    const t = inits.get(fp16 ? `${onnxName}.fp16` : onnxName);
    const size = fp16 ? 2 : 4;
    if (!t || t.dataType !== (fp16 ? FLOAT16 : FLOAT) || t.raw.length !== count * size) {
      throw new BadModelError(
        `${what}: weight ${onnxName} is missing or has the wrong size; the file is damaged: export it again`,
      );
    }
    const copy = new Uint8Array(t.raw); // a copy, aligned for the typed array view (Buffer.slice would not copy)
    return fp16 ? new Uint16Array(copy.buffer) : new Float32Array(copy.buffer);
  };
  const kernel = (onnxName: string, shape: number[]) => {
    const [kh, kw, a, b] = shape;
    return { shape, data: kernelToTfjs(get(onnxName, kh * kw * a * b), kh, kw, a, b) };
  };
  const flat = (onnxName: string, shape: number[]) => ({
    shape,
    data: get(
      onnxName,
      shape.reduce((x, y) => x * y, 1),
    ),
  });
  if (!Number.isInteger(g) || g <= 0 || !Number.isInteger(embed) || embed <= 0) {
    throw new BadModelError(
      `${what}: metadata gen_channels/embed_dim are missing; the file is damaged: export it again`,
    );
  }
  return {
    'generator.embedding': flat('embedding', [info.numClasses, embed]),
    'generator.dense.kernel': {
      shape: [rows, s * s * g],
      data: denseColumnsToNhwc(get('dense.weight', rows * s * s * g), rows, s, g),
    },
    'generator.dense.bias': { shape: [s * s * g], data: denseColumnsToNhwc(get('dense.bias', s * s * g), 1, s, g) },
    'generator.deconv1.kernel': kernel('deconv1.weight', [4, 4, g, g]),
    'generator.deconv1.bias': flat('deconv1.bias', [g]),
    'generator.deconv2.kernel': kernel('deconv2.weight', [4, 4, g, g]),
    'generator.deconv2.bias': flat('deconv2.bias', [g]),
    'generator.conv.kernel': kernel('conv.weight', [3, 3, g, 1]),
    'generator.conv.bias': flat('conv.bias', [1]),
  };
}

/** How to skip the check, named in every verification error. */
const SKIP = 'to load it anyway, pass `verify: false` (CLI: --no-verify)';

/**
 * Recomputes the weights hash and compares it with the one the exporter stored. Throws
 * BadModelError, naming the file and the fix, when they differ or there is none to compare with.
 */
export async function verifyWeights(bytes: Uint8Array, info: ModelInfo, what = 'model'): Promise<void> {
  const key = info.precision === 'float16' ? FP16_HASH_KEY : 'weights_sha256';
  const stored = info.metadata[key];
  if (!stored) {
    throw new BadModelError(
      `${what}: it stores no ${key} to check its weights against (exported by an older build?): ` +
        `export it again, or ${SKIP}`,
    );
  }
  const actual = await sha256Hex(weightHashChunks(checkpointTensors(bytes, info, what)));
  if (actual !== stored) {
    throw new BadModelError(
      `${what}: its weights do not match the ${key} stored at export ` +
        `(${stored.slice(0, 12)}... vs ${actual.slice(0, 12)}...): ` +
        `the file is damaged; copy or export it again (${SKIP})`,
    );
  }
}
