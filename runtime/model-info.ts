/**
 * The one reader of an exported generator: one pass over the .onnx bytes gives its metadata_props
 * (written by export/onnx-generator.ts, documented in docs/export.md), the graph's input/output
 * signature and its initializers (which runtime/weights-hash.ts hashes). Works without onnxruntime,
 * so bad files get a clear message before a session is ever created.
 */
import {
  ELEM_FLOAT,
  ELEM_INT64,
  GENERATOR_FORMAT,
  META,
  TENSOR,
  archProblem,
  imageShape,
  type GeneratorArch,
} from './generator-contract.ts';
import { BadModelError } from './errors.ts';
import { ProtoError, fields, int64, str } from './protobuf-reader.ts';

export { GENERATOR_FORMAT };

export interface ModelInfo {
  numClasses: number;
  classNames: string[];
  zDim: number;
  imageSize: number;
  /** 1 (grayscale) or 3 (RGB): the output is [batch, channels, imageSize, imageSize]. */
  channels: number;
  /** The whole architecture, as generator-contract.ts defines it (weights, layouts, hash order). */
  arch: GeneratorArch;
  /** Storage type of the weights; inputs, outputs and compute are float32 either way. */
  precision: 'float32' | 'float16';
  producer: string;
  producerVersion: string;
  opset: number;
  /** The checkpoint's critic-step counter, when known. */
  step: number | null;
  dataset: string | null;
  /** sha256 (hex) of the float32 generator weights in the checkpoint. */
  weightsHash: string;
  /** Every metadata_props entry, verbatim. */
  metadata: Record<string, string>;
}

/** One graph input or output: name, ONNX element type, dims (number, or the symbolic name). */
export interface IoSignature {
  name: string;
  elemType: number;
  dims: (number | string)[];
}

/** One initializer as stored (the exporter writes raw_data only). */
export interface Initializer {
  dims: number[];
  dataType: number;
  raw: Uint8Array;
}

export interface OnnxSummary {
  irVersion: number;
  opset: number;
  producerName: string;
  producerVersion: string;
  metadata: Record<string, string>;
  inputs: IoSignature[];
  outputs: IoSignature[];
  nodeCount: number;
  initializerCount: number;
  /** By name; their raw bytes are views into the file, not copies. */
  initializers: Map<string, Initializer>;
}

/** A generator file, read once: what it is and what it holds. */
export interface GeneratorModel {
  info: ModelInfo;
  summary: OnnxSummary;
}

export { ELEM_FLOAT, ELEM_INT64 };

function valueInfo(b: Uint8Array): IoSignature {
  const sig: IoSignature = { name: '', elemType: 0, dims: [] };
  for (const f of fields(b)) {
    if (f.no === 1) sig.name = str(f.bytes);
    else if (f.no === 2 && f.bytes) {
      for (const t of fields(f.bytes)) {
        if (t.no !== 1 || !t.bytes) continue; // TypeProto.tensor_type
        for (const tt of fields(t.bytes)) {
          if (tt.no === 1) sig.elemType = tt.varint ?? 0;
          else if (tt.no === 2 && tt.bytes) {
            for (const d of fields(tt.bytes)) {
              if (d.no !== 1 || !d.bytes) continue;
              let dim: number | string = '?';
              for (const dv of fields(d.bytes)) {
                if (dv.no === 1) dim = int64(dv.varint);
                else if (dv.no === 2) dim = str(dv.bytes);
              }
              sig.dims.push(dim);
            }
          }
        }
      }
    }
  }
  return sig;
}

/** Parses the parts of a ModelProto the runtime needs. Throws an Error naming `what` on bad bytes. */
export function readOnnxSummary(bytes: Uint8Array, what = 'model'): OnnxSummary {
  if (bytes.length === 0)
    throw new BadModelError(`${what}: the file is empty; export one with \`cgan export RUN --out FILE.onnx\``);
  const s: OnnxSummary = {
    irVersion: 0,
    opset: 0,
    producerName: '',
    producerVersion: '',
    metadata: {},
    inputs: [],
    outputs: [],
    nodeCount: 0,
    initializerCount: 0,
    initializers: new Map(),
  };
  let sawGraph = false;
  try {
    for (const f of fields(bytes)) {
      if (f.no === 1) s.irVersion = f.varint ?? 0;
      else if (f.no === 2) s.producerName = str(f.bytes);
      else if (f.no === 3) s.producerVersion = str(f.bytes);
      else if (f.no === 8 && f.bytes) {
        let domain = '';
        let version = 0;
        for (const o of fields(f.bytes)) {
          if (o.no === 1) domain = str(o.bytes);
          else if (o.no === 2) version = o.varint ?? 0;
        }
        if (domain === '' || domain === 'ai.onnx') s.opset = version;
      } else if (f.no === 14 && f.bytes) {
        let key = '';
        let value = '';
        for (const e of fields(f.bytes)) {
          if (e.no === 1) key = str(e.bytes);
          else if (e.no === 2) value = str(e.bytes);
        }
        s.metadata[key] = value;
      } else if (f.no === 7 && f.bytes) {
        sawGraph = true;
        for (const g of fields(f.bytes)) {
          if (g.no === 1) s.nodeCount++;
          else if (g.no === 5 && g.bytes) {
            s.initializerCount++;
            const [name, init] = initializer(g.bytes);
            s.initializers.set(name, init);
          } else if (g.no === 11 && g.bytes) s.inputs.push(valueInfo(g.bytes));
          else if (g.no === 12 && g.bytes) s.outputs.push(valueInfo(g.bytes));
        }
      } else if (f.wire !== 0 && f.wire !== 2) {
        // ModelProto has no fixed-width fields: a file that has them is not an ONNX model.
        throw new ProtoError(`unexpected fixed-width field ${f.no}`);
      }
    }
  } catch (e) {
    if (e instanceof ProtoError) {
      throw new BadModelError(
        `${what}: not a valid ONNX file, or truncated (protobuf: ${e.message}); ` +
          `re-export it with \`cgan export\` or copy it again`,
      );
    }
    throw e;
  }
  if (!sawGraph || s.irVersion === 0) {
    throw new BadModelError(
      `${what}: not an ONNX model (no graph or IR version found); re-export it with \`cgan export\``,
    );
  }
  return s;
}

function initializer(b: Uint8Array): [string, Initializer] {
  const t: Initializer = { dims: [], dataType: 0, raw: new Uint8Array(0) };
  let name = '';
  for (const e of fields(b)) {
    if (e.no === 1 && e.varint !== undefined) t.dims.push(int64(e.varint));
    else if (e.no === 1 && e.bytes) for (const d of packedVarints(e.bytes)) t.dims.push(d);
    else if (e.no === 2) t.dataType = e.varint ?? 0;
    else if (e.no === 8) name = str(e.bytes);
    else if (e.no === 9 && e.bytes) t.raw = e.bytes;
  }
  return [name, t];
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

function dimsText(d: (number | string)[]): string {
  return `[${d.join(', ')}]`;
}

/**
 * Checks that the model is a generator of this project's shape and returns its description.
 * Needs: inputs z float32 [batch, zDim] and label int64 [batch]; output image float32
 * [batch, 1, S, S]; metadata keys from the exporter.
 */
export function readModelInfo(bytes: Uint8Array, what = 'model'): ModelInfo {
  return readModel(bytes, what).info;
}

/** Reads and checks a generator file in one pass: its description and its signature and weights. */
export function readModel(bytes: Uint8Array, what = 'model'): GeneratorModel {
  const summary = readOnnxSummary(bytes, what);
  return { info: modelInfoFromSummary(summary, what), summary };
}

/**
 * The same checks on a signature and metadata that came from elsewhere: a v2 server's model
 * metadata (runtime/remote.ts), so a remote model is held to what a local file is.
 */
export type SignatureAndMetadata = Pick<
  OnnxSummary,
  'metadata' | 'inputs' | 'outputs' | 'opset' | 'producerName' | 'producerVersion'
>;

export function modelInfoFromSummary(s: SignatureAndMetadata, what = 'model'): ModelInfo {
  const m = s.metadata;
  const notOurs = (why: string) =>
    new BadModelError(
      `${what}: not a cgan-onnx generator (${why}); ` +
        `export one from a training run with \`cgan export RUN --out FILE.onnx\``,
    );
  if (m.format !== GENERATOR_FORMAT)
    throw notOurs(`metadata "format" is ${JSON.stringify(m.format ?? null)}, expected "${GENERATOR_FORMAT}"`);
  const intMeta = (k: string): number => {
    const v = Number(m[k]);
    if (!m[k] || !Number.isInteger(v) || v <= 0)
      throw notOurs(`metadata "${k}" is ${JSON.stringify(m[k] ?? null)}, expected a positive integer`);
    return v;
  };
  const numClasses = intMeta(META.numClasses);
  const zDim = intMeta(META.zDim);
  const imageSize = intMeta(META.imageSize);
  // Absent in every one-channel export (generator-contract.ts's META): 1.
  const channels = m[META.channels] === undefined ? 1 : intMeta(META.channels);
  // Absent from a remote server's metadata before they were forwarded: the seed's.
  const optional = (k: string) => (m[k] === undefined ? 128 : intMeta(k));
  const arch: GeneratorArch = {
    numClasses,
    zDim,
    embedDim: optional(META.embedDim),
    imageSize,
    channels,
    genChannels: optional(META.genChannels),
  };
  const problem = archProblem(arch);
  if (problem) throw notOurs(problem);
  let classNames: unknown;
  try {
    classNames = JSON.parse(m.class_names ?? '');
  } catch {
    classNames = null;
  }
  if (
    !Array.isArray(classNames) ||
    classNames.length !== numClasses ||
    !classNames.every((c) => typeof c === 'string')
  ) {
    throw notOurs(`metadata "class_names" must be a JSON array of ${numClasses} strings`);
  }

  const input = (name: string) => s.inputs.find((i) => i.name === name);
  const z = input(TENSOR.z);
  const label = input(TENSOR.label);
  const image = s.outputs.find((o) => o.name === TENSOR.image);
  if (!z || z.elemType !== ELEM_FLOAT || z.dims.length !== 2 || z.dims[1] !== zDim) {
    throw notOurs(
      `input "z" must be float32 [batch, ${zDim}]` +
        `${z ? `, it is ${dimsText(z.dims)} of type ${z.elemType}` : ', there is none'}`,
    );
  }
  if (!label || label.elemType !== ELEM_INT64 || label.dims.length !== 1) {
    throw notOurs(
      `input "label" must be int64 [batch]` +
        `${label ? `, it is ${dimsText(label.dims)} of type ${label.elemType}` : ', there is none'}`,
    );
  }
  if (s.inputs.length !== 2) throw notOurs(`it has ${s.inputs.length} inputs, expected z and label`);
  if (
    !image ||
    image.elemType !== ELEM_FLOAT ||
    image.dims.length !== 4 ||
    image.dims[1] !== channels ||
    image.dims[2] !== imageSize ||
    image.dims[3] !== imageSize
  ) {
    throw notOurs(
      `output "image" must be float32 ${dimsText(imageShape(imageSize, channels))}` +
        `${image ? `, it is ${dimsText(image.dims)}` : ', there is none'}`,
    );
  }
  const step = m['checkpoint.step'] ? Number(m['checkpoint.step']) : null;
  return {
    numClasses,
    classNames: classNames as string[],
    zDim,
    imageSize,
    channels,
    arch,
    precision: m.weights_dtype === 'float16' ? 'float16' : 'float32',
    producer: m.producer ?? s.producerName,
    producerVersion: m.producer_version ?? s.producerVersion,
    opset: s.opset,
    step: step !== null && Number.isFinite(step) ? step : null,
    dataset: m['checkpoint.dataset'] || null,
    weightsHash: m.weights_sha256 ?? '',
    metadata: { ...m },
  };
}
