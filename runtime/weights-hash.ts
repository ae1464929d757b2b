/**
 * The generator's weights hash, the one definition shared by the exporter (which stores it in the
 * model's metadata) and the runtime (which checks it at load). Browser-safe: the runtime hashes with
 * WebCrypto (`crypto.subtle`, global in Node 20 and in browsers).
 *
 * What is hashed: for each checkpoint tensor in the contract's order (generator-contract.ts's
 * `generatorWeights`), its name, its shape as JSON and its little-endian values, in the checkpoint's
 * (tfjs) layout. The .onnx stores the same values permuted to ONNX layouts; `checkpointTensors` undoes
 * those permutations (exactly: they only move values), so a float32 model's hash must equal
 * `weights_sha256`. A float16 model's values are rounded, so its stored values are hashed the same way
 * into `weights_fp16_sha256`.
 */
import { concatBytes } from './bytes.ts';
import { BadModelError } from './errors.ts';
import { META, ONNX_TYPE, generatorWeights, type GeneratorArch } from './generator-contract.ts';
import { fromOnnxLayout, type WeightValues } from './layouts.ts';
import type { GeneratorModel } from './model-info.ts';

export type HashValues = WeightValues;

export interface HashTensor {
  shape: number[];
  data: HashValues;
}

/** The byte chunks the hash is taken over, in order (the exporter feeds them to node:crypto). */
export function weightHashChunks(arch: GeneratorArch, tensors: Record<string, HashTensor>): Uint8Array[] {
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [];
  for (const { name } of generatorWeights(arch)) {
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
  const digest = new Uint8Array(await subtle.digest('SHA-256', concatBytes(chunks) as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The generator's weights in checkpoint names and layouts, read back from an exported model. Throws
 * BadModelError when a weight is missing or its dims or byte length are not the architecture's (a
 * damaged file, or one whose header claims a size it does not hold).
 */
export function checkpointTensors(model: GeneratorModel, what = 'model'): Record<string, HashTensor> {
  const { info, summary } = model;
  const fp16 = info.precision === 'float16';
  const out: Record<string, HashTensor> = {};
  for (const t of generatorWeights(info.arch)) {
    const stored = summary.initializers.get(fp16 ? `${t.onnx}.fp16` : t.onnx);
    const count = t.shape.reduce((x, y) => x * y, 1);
    const damaged = (why: string) =>
      new BadModelError(`${what}: weight ${t.onnx} ${why}; the file is damaged: export it again`);
    if (!stored) throw damaged('is missing');
    if (stored.dataType !== (fp16 ? ONNX_TYPE.FLOAT16 : ONNX_TYPE.FLOAT))
      throw damaged(`has element type ${stored.dataType}, not ${fp16 ? 'float16' : 'float32'}`);
    if (stored.dims.join() !== t.onnxShape.join())
      throw damaged(`claims dims [${stored.dims}], the architecture's are [${t.onnxShape}]`);
    if (stored.raw.length !== count * (fp16 ? 2 : 4))
      throw damaged(`holds ${stored.raw.length} bytes, its dims need ${count * (fp16 ? 2 : 4)}`);
    const copy = new Uint8Array(stored.raw); // a copy, aligned for the typed array view
    const values = fp16 ? new Uint16Array(copy.buffer) : new Float32Array(copy.buffer);
    out[t.name] = { shape: t.shape, data: fromOnnxLayout(t, values) };
  }
  return out;
}

/** How to skip the check, named in every verification error. */
const SKIP = 'to load it anyway, pass `verify: false` (CLI: --no-verify)';

/**
 * Recomputes the weights hash and compares it with the one the exporter stored. Throws
 * BadModelError, naming the file and the fix, when they differ or there is none to compare with.
 */
export async function verifyWeights(model: GeneratorModel, what = 'model'): Promise<void> {
  const { info } = model;
  const key = info.precision === 'float16' ? META.fp16WeightsHash : META.weightsHash;
  const stored = info.metadata[key];
  if (!stored) {
    throw new BadModelError(
      `${what}: it stores no ${key} to check its weights against (exported by an older build?): ` +
        `export it again, or ${SKIP}`,
    );
  }
  const actual = await sha256Hex(weightHashChunks(info.arch, checkpointTensors(model, what)));
  if (actual !== stored) {
    throw new BadModelError(
      `${what}: its weights do not match the ${key} stored at export ` +
        `(${stored.slice(0, 12)}... vs ${actual.slice(0, 12)}...): ` +
        `the file is damaged; copy or export it again (${SKIP})`,
    );
  }
}
