/**
 * Checks a v2 infer request against the served model and turns it into labels and noise, or says
 * which field is wrong (HTTP 400). Names, datatypes and shapes come from the model's graph
 * (readOnnxSummary), classes from its metadata (ModelInfo); nothing here restates them.
 */
import { TENSOR } from '../runtime/generator-contract.ts';
import { checkLabels } from '../runtime/labels.ts';
import type { IoSignature, ModelInfo, OnnxSummary } from '../runtime/model-info.ts';
import { MAX_ABS_NOISE } from '../runtime/limits.ts';
import {
  NestingError,
  flattenData,
  toV2Metadata,
  type V2ModelMetadata,
  type V2TensorMetadata,
} from '../runtime/v2-protocol.ts';

export { BINARY_HEADER } from '../runtime/v2-protocol.ts';

/** A request the server refuses, with the HTTP status and a message that names the field. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

const bad = (m: string) => new RequestError(400, m);

export interface ServedModel {
  name: string;
  version: string;
  info: ModelInfo;
  summary: Pick<OnnxSummary, 'inputs' | 'outputs' | 'metadata'>;
}

export interface ParsedInfer {
  id?: string;
  labels: number[];
  noise: Float32Array;
  /** The outputs asked for (all when the request names none). */
  outputs: string[];
  /** Raw little-endian bytes after a JSON header instead of JSON numbers (the binary tensor extension). */
  binary: boolean;
}

/** The v2 model metadata route's answer: the graph's signature, plus the exporter's metadata. */
export function modelMetadata(m: ServedModel): V2ModelMetadata {
  return {
    name: m.name,
    versions: [m.version],
    platform: 'onnxruntime_onnx',
    inputs: m.summary.inputs.map(toV2Metadata),
    outputs: m.summary.outputs.map(toV2Metadata),
    parameters: { ...m.summary.metadata },
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkShape(field: string, shape: unknown, want: V2TensorMetadata, alt?: number[]): number[] {
  const describe = (s: number[]) => `[${s.map((d) => (d < 0 ? 'n' : d)).join(', ')}]`;
  const hint = `${describe(want.shape)}${alt ? ` or ${describe(alt)}` : ''}`;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw bad(`${field}.shape must be an array of non-negative integers: input "${want.name}" takes ${hint}`);
  }
  const fits = (w: number[]) => shape.length === w.length && w.every((d, i) => d < 0 || d === shape[i]);
  if (!fits(want.shape) && !(alt && fits(alt))) {
    throw bad(`${field}.shape is [${shape.join(', ')}]; input "${want.name}" takes ${hint} (n images)`);
  }
  return shape as number[];
}

/**
 * Validates an infer request body. `maxImages` caps the images in one request (413 beyond it).
 * The label input is [n]; [n, 1] is taken too, as Triton's repository for it describes the input.
 */
export function parseInferRequest(body: unknown, m: ServedModel, maxImages: number): ParsedInfer {
  if (!isObject(body))
    throw bad('the request body must be a JSON object with an "inputs" array (Open Inference Protocol v2)');
  if (body.id !== undefined && typeof body.id !== 'string') throw bad('"id" must be a string');
  if (!Array.isArray(body.inputs)) throw bad('"inputs" must be an array of tensors {name, shape, datatype, data}');
  const names = m.summary.inputs.map((i) => i.name);
  const byName = new Map<string, { field: string; t: Record<string, unknown>; sig: IoSignature }>();
  body.inputs.forEach((t: unknown, i: number) => {
    const field = `inputs[${i}]`;
    if (!isObject(t)) throw bad(`${field} must be an object {name, shape, datatype, data}`);
    if (typeof t.name !== 'string') throw bad(`${field}.name must be a string: one of ${names.join(', ')}`);
    const sig = m.summary.inputs.find((s) => s.name === t.name);
    if (!sig) throw bad(`${field}.name "${t.name}" is not an input of ${m.name}; its inputs are ${names.join(', ')}`);
    if (byName.has(t.name)) throw bad(`${field}.name: input "${t.name}" is given twice`);
    byName.set(t.name, { field, t, sig });
  });
  for (const n of names)
    if (!byName.has(n)) throw bad(`"inputs" has no "${n}": ${m.name} needs ${names.join(' and ')}`);

  // `names`: the label input also takes class names as BYTES (strings), as `cgan generate --labels` does.
  const tensor = (name: string, alt?: (n: number) => number[], names = false) => {
    const { field, t, sig } = byName.get(name) as { field: string; t: Record<string, unknown>; sig: IoSignature };
    const meta = toV2Metadata(sig);
    if (t.datatype !== meta.datatype && !(names && t.datatype === 'BYTES')) {
      const also = names ? ' (or BYTES: class names)' : '';
      throw bad(
        `${field}.datatype is ${JSON.stringify(t.datatype ?? null)}; input "${name}" takes ${meta.datatype}${also}`,
      );
    }
    if (isObject(t.parameters) && t.parameters.binary_data_size !== undefined)
      throw bad(`${field}: binary inputs are not supported; send the values as JSON numbers in "data"`);
    const shape = checkShape(field, t.shape, meta, alt?.(-1));
    const count = shape.reduce((a, b) => a * b, 1);
    if (!Array.isArray(t.data)) throw bad(`${field}.data must be an array of ${count} values (row-major)`);
    let flat: unknown[];
    try {
      flat = flattenData(t.data, shape.length);
    } catch (e) {
      if (!(e instanceof NestingError)) throw e;
      throw bad(`${field}.data: ${e.message} [${shape.join(', ')}]; send it flat or nested to that depth`);
    }
    if (flat.length !== count)
      throw bad(`${field}.data has ${flat.length} values; shape [${shape.join(', ')}] needs ${count}`);
    return { field, shape, flat };
  };

  const { zDim } = m.info;
  const z = tensor(TENSOR.z);
  const label = tensor(TENSOR.label, (n) => [n, 1], true);
  const n = z.shape[0];
  if (label.shape[0] !== n) throw bad(`${label.field}.shape says ${label.shape[0]} images but ${z.field} (z) has ${n}`);
  if (n === 0) throw bad(`${z.field}.shape: a request needs at least one image`);
  if (n > maxImages)
    throw new RequestError(
      413,
      `${z.field}.shape asks for ${n} images; this server takes at most ${maxImages} per request (--max-images)`,
    );

  const noise = new Float32Array(n * zDim);
  for (let i = 0; i < z.flat.length; i++) {
    const v = z.flat[i];
    // Checked as the model will see it: 1e39 is a finite JSON number but Infinity as float32.
    const f = typeof v === 'number' ? Math.fround(v) : Number.NaN;
    if (!Number.isFinite(f) || Math.abs(f) > MAX_ABS_NOISE) {
      const why = typeof v !== 'number' || !Number.isFinite(v) ? '' : Number.isFinite(f) ? '' : ', infinite as float32';
      throw bad(
        `${z.field}.data[${i}] (image ${Math.floor(i / zDim)}, dim ${i % zDim}) is ${JSON.stringify(v)}${why}; ` +
          `noise must be finite numbers within [-${MAX_ABS_NOISE}, ${MAX_ABS_NOISE}] (N(0, 1) noise is within ±6)`,
      );
    }
    noise[i] = f;
  }
  // INT64 labels are class indices (JSON numbers); BYTES labels are class names (strings).
  const asNames = byName.get(TENSOR.label)?.t.datatype === 'BYTES';
  const badLabel = label.flat.findIndex((v) => typeof v !== (asNames ? 'string' : 'number'));
  if (badLabel >= 0) {
    const v = JSON.stringify(label.flat[badLabel]);
    throw bad(
      `${label.field}.data[${badLabel}] is ${v}; ` +
        (asNames
          ? 'a BYTES label is a class name (a string)'
          : `labels must be integer numbers (class indices 0-${m.info.numClasses - 1}; send datatype BYTES ` +
            'for class names)'),
    );
  }
  let labels: number[];
  try {
    labels = checkLabels(label.flat as number[] | string[], m.info.classNames);
  } catch (e) {
    throw bad(`${label.field}.data: ${(e as Error).message}`);
  }

  const outNames = m.summary.outputs.map((o) => o.name);
  let outputs = outNames;
  // Binary output: asked for per output (`parameters.binary_data`) or for all (`binary_data_output`).
  const wantsBinary = (p: unknown, key: string) => isObject(p) && p[key] === true;
  let binary = wantsBinary(body.parameters, 'binary_data_output');
  if (body.outputs !== undefined) {
    if (!Array.isArray(body.outputs)) throw bad('"outputs" must be an array of {name}');
    outputs = body.outputs.map((o: unknown, i: number) => {
      const name = isObject(o) ? o.name : undefined;
      if (typeof name !== 'string' || !outNames.includes(name)) {
        throw bad(
          `outputs[${i}].name ${JSON.stringify(name ?? null)} is not an output of ${m.name}; ` +
            `its outputs are ${outNames.join(', ')}`,
        );
      }
      if (isObject(o) && wantsBinary(o.parameters, 'binary_data')) binary = true;
      return name;
    });
  }
  return { id: body.id as string | undefined, labels, noise, outputs, binary };
}

/**
 * The infer response as JSON text. Written by hand because it is the hot path: one join over the
 * Float32Array instead of an intermediate array of 784 numbers per image. A float32 printed this
 * way parses back to the same float32.
 */
export function inferResponseJson(m: ServedModel, parsed: ParsedInfer, images: Float32Array): string {
  const id = parsed.id === undefined ? '' : `"id":${JSON.stringify(parsed.id)},`;
  const tensors = parsed.outputs.map((name) => {
    // The generator has one output (readModelInfo checks it), so `images` is that output.
    const meta = toV2Metadata(m.summary.outputs.find((o) => o.name === name) as IoSignature);
    const shape = JSON.stringify([parsed.labels.length, ...meta.shape.slice(1)]);
    const head = `{"name":${JSON.stringify(name)},"datatype":"${meta.datatype}","shape":${shape}`;
    return parsed.binary
      ? `${head},"parameters":{"binary_data_size":${images.byteLength}}}`
      : `${head},"data":[${images.join(',')}]}`;
  });
  const model = `"model_name":${JSON.stringify(m.name)},"model_version":"${m.version}"`;
  return `{${model},${id}"outputs":[${tensors.join(',')}]}`;
}

/** A binary response body: the JSON header, then each output's little-endian bytes. */
export function inferResponseBinary(
  m: ServedModel,
  parsed: ParsedInfer,
  images: Float32Array,
): { json: Buffer; body: Buffer } {
  const json = Buffer.from(inferResponseJson(m, parsed, images));
  // Little-endian, as on every platform onnxruntime runs on.
  const raw = Buffer.from(images.buffer, images.byteOffset, images.byteLength);
  return { json, body: Buffer.concat([json, ...parsed.outputs.map(() => raw)]) };
}
