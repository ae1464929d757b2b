/**
 * The safetensors container (https://huggingface.co/docs/safetensors): an 8-byte little-endian
 * header length, a JSON header naming each tensor's dtype, shape and byte range, then raw
 * little-endian data. Chosen for checkpoints because Python reads it with `safetensors.numpy.load_file`
 * and every other stage reads it with the forty lines below. Only F32 and I32 are used here.
 */
import { existsSync } from 'node:fs';
import { BadFileError } from '../runtime/errors.ts';
import { readFileChecked } from '../runtime/files.ts';
import { MAX_CHECKPOINT_BYTES } from '../runtime/limits.ts';

export type DType = 'F32' | 'I32';

export interface StoredTensor {
  dtype: DType;
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface SafetensorsFile {
  tensors: Record<string, StoredTensor>;
  /** String-to-string metadata (the format allows nothing else). */
  metadata: Record<string, string>;
}

const ALIGN = 8;

export function encodeSafetensors(file: SafetensorsFile): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: file.metadata };
  let offset = 0;
  const names = Object.keys(file.tensors).sort();
  for (const name of names) {
    const t = file.tensors[name];
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length)
      throw new Error(
        `tensor ${name}: shape ${JSON.stringify(t.shape)} holds ${count} values, data has ${t.data.length}`,
      );
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts aligned (the format allows trailing spaces).
  const headerBytes = new TextEncoder().encode(json);
  const padded = Math.ceil(headerBytes.length / ALIGN) * ALIGN;
  json += ' '.repeat(padded - headerBytes.length);
  const hb = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + hb.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let pos = 8 + hb.length;
  for (const name of names) {
    const d = file.tensors[name].data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), pos);
    pos += d.byteLength;
  }
  return out;
}

/** Parses a safetensors file; `what` names the file in errors. */
export function decodeSafetensors(bytes: Uint8Array, what = 'checkpoint'): SafetensorsFile {
  if (bytes.length < 8)
    throw new BadFileError(`${what}: ${bytes.length} bytes is too short to be a safetensors file (truncated?)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8 || headerLen > 100_000_000) {
    throw new BadFileError(
      `${what}: header length ${headerLen} exceeds the file size ${bytes.length} (truncated or not a safetensors file)`,
    );
  }
  let header: Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>
  >;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new BadFileError(`${what}: header is not valid JSON (corrupt file): ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new BadFileError(`${what}: header is not a JSON object (corrupt file)`);
  const meta = header.__metadata__;
  if (
    meta !== undefined &&
    (typeof meta !== 'object' || meta === null || Object.values(meta).some((v) => typeof v !== 'string'))
  )
    throw new BadFileError(`${what}: __metadata__ is not an object of strings (corrupt file)`);
  const dataStart = 8 + headerLen;
  const tensors: Record<string, StoredTensor> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const [a, b] = Array.isArray(e?.data_offsets) ? e.data_offsets : [NaN, NaN];
    if (!(Number.isInteger(a) && Number.isInteger(b) && 0 <= a && a <= b)) {
      throw new BadFileError(`${what}: tensor ${name} has no valid data_offsets; the file was edited or is damaged`);
    }
    if (dataStart + b > bytes.length)
      throw new BadFileError(
        `${what}: tensor ${name} ends at byte ${dataStart + b} but the file has ${bytes.length} (truncated)`,
      );
    const count = Array.isArray(e.shape) ? e.shape.reduce((x, y) => x * y, 1) : NaN;
    if (!(count * 4 === b - a) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new BadFileError(
        `${what}: tensor ${name} has shape ${JSON.stringify(e.shape)} but ${b - a} bytes of data; ` +
          `the file was edited or is damaged`,
      );
    }
    const raw = bytes.slice(dataStart + a, dataStart + b); // copy: aligned and detached from the file buffer
    if (e.dtype === 'F32') tensors[name] = { dtype: 'F32', shape: e.shape, data: new Float32Array(raw.buffer) };
    else if (e.dtype === 'I32') tensors[name] = { dtype: 'I32', shape: e.shape, data: new Int32Array(raw.buffer) };
    else throw new BadFileError(`${what}: tensor ${name} has dtype ${e.dtype}; this project writes only F32 and I32`);
  }
  return { tensors, metadata: (header.__metadata__ as Record<string, string>) ?? {} };
}

/**
 * Reads and decodes a safetensors file; a missing file is an Error with `missing(file)` as its
 * message (which should say how to make the file), any other read failure names the file.
 */
export async function readSafetensorsFile(file: string, missing: (file: string) => string): Promise<SafetensorsFile> {
  if (!existsSync(file)) throw new BadFileError(missing(file));
  const limit = 'the checkpoint size limit';
  const bytes = await readFileChecked(file, {
    what: 'checkpoint',
    maxBytes: MAX_CHECKPOINT_BYTES,
    limitName: limit,
    error: BadFileError,
  });
  return decodeSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
}
