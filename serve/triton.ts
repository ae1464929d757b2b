/**
 * A Triton model repository for an exported generator: `DIR/<name>/config.pbtxt` and
 * `DIR/<name>/1/model.onnx`, served by Triton's ONNX Runtime backend. The configuration is built
 * as one object in the protobuf JSON form of Triton's `inference.ModelConfig` (schema subset in
 * serve/triton/model-config.proto); the same object is what `cgan serve` answers on
 * `/v2/models/<name>/config`, as Triton does, so the remote generator reads either the same way.
 */
import { promises as fs, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path, { dirname, join } from 'node:path';
import protobuf from 'protobufjs';
import { readModelInfo, readOnnxSummary, type IoSignature, type OnnxSummary } from '../runtime/model-info.ts';
import { v2Datatype } from '../runtime/v2-protocol.ts';
import { RefusedError } from '../runtime/errors.ts';
import { MODEL_NAME, SERVE_DEFAULTS } from './defaults.ts';

/**
 * Found by the package's own name, like the shipped model, so it is the same file from the sources and
 * from the compiled dist/ (the root package's `files` ships it).
 */
export const SCHEMA_FILE = join(
  dirname(createRequire(import.meta.url).resolve('cgan-onnx/package.json')),
  'serve/triton/model-config.proto',
);

let schema: protobuf.Type | null = null;
/** `inference.ModelConfig`, field names as in the .proto (snake_case). */
export function modelConfigType(): protobuf.Type {
  if (!schema) {
    const root = protobuf.parse(readFileSync(SCHEMA_FILE, 'utf8'), { keepCase: true }).root;
    root.resolveAll();
    schema = root.lookupType('inference.ModelConfig');
  }
  return schema;
}

export interface TritonOptions {
  /** Triton's max_batch_size: most images in one request and in one dynamic batch. */
  maxBatch?: number;
  maxDelayMs?: number;
  /** Requests waiting before Triton refuses more. */
  maxQueue?: number;
}

/**
 * Triton leaves the batch dimension out of `dims`. A tensor that is only [batch] (the labels)
 * would have no dims left, which Triton does not allow: it is declared [1] and reshaped to [],
 * as Triton's model configuration guide says to, so clients send labels as [n, 1].
 */
function tensorConfig(sig: IoSignature): Record<string, unknown> {
  const dims = sig.dims.slice(1);
  if (dims.some((d) => typeof d !== 'number'))
    throw new Error(`tensor "${sig.name}" has a symbolic dimension after the batch: [${sig.dims}]`);
  const base = { name: sig.name, data_type: `TYPE_${v2Datatype(sig.elemType)}` };
  return dims.length ? { ...base, dims } : { ...base, dims: [1], reshape: { shape: [] } };
}

export function tritonConfig(
  name: string,
  summary: Pick<OnnxSummary, 'inputs' | 'outputs' | 'metadata'>,
  opts: TritonOptions = {},
) {
  if (!MODEL_NAME.test(name))
    throw new Error(`model name "${name}" is not usable by Triton: use letters, digits, "_", "." and "-"`);
  const maxBatch = opts.maxBatch ?? SERVE_DEFAULTS.maxBatch;
  return {
    name,
    platform: 'onnxruntime_onnx',
    max_batch_size: maxBatch,
    input: summary.inputs.map(tensorConfig),
    output: summary.outputs.map(tensorConfig),
    dynamic_batching: {
      max_queue_delay_microseconds: Math.round((opts.maxDelayMs ?? SERVE_DEFAULTS.maxDelayMs) * 1000),
      default_queue_policy: { max_queue_size: opts.maxQueue ?? SERVE_DEFAULTS.maxQueue },
    },
    // CPU or GPU, whichever Triton finds; the GPU runs ONNX Runtime's CUDA EP (see the comment below).
    instance_group: [{ kind: 'KIND_AUTO', count: 1 }],
    // The exporter's metadata_props, verbatim: classes, z size, provenance (docs/export.md).
    parameters: Object.fromEntries(Object.entries(summary.metadata).map(([k, v]) => [k, { string_value: v }])),
  };
}

/** Appended to config.pbtxt: Triton reads none of it; uncommented, it still parses against the schema. */
export const GPU_NOTE = `
# Optional, on an NVIDIA GPU: pin the model to the GPU and name ONNX Runtime's CUDA execution
# provider (KIND_AUTO above already uses it when Triton sees a GPU). Replace instance_group with:
# instance_group: [ { kind: KIND_GPU, count: 1 } ]
# optimization { execution_accelerators { gpu_execution_accelerator: [ { name: "cuda" } ] } }
`;

function quote(s: string): string {
  const escaped = s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return `"${escaped.replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

function scalar(field: protobuf.Field, v: unknown, where: string): string {
  if (field.resolvedType instanceof protobuf.Enum) {
    if (typeof v !== 'string' || !(v in field.resolvedType.values))
      throw new Error(`${where}: ${String(v)} is not a ${field.resolvedType.name} value`);
    return v;
  }
  if (field.type === 'string') return quote(String(v));
  if (field.type === 'bool') return v ? 'true' : 'false';
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}: ${String(v)} is not a number`);
  return String(v);
}

/** Protobuf text format of `obj` (protobuf JSON form, keepCase) for `type`; unknown fields throw. */
export function toPbtxt(type: protobuf.Type, obj: Record<string, unknown>, indent = ''): string {
  const lines: string[] = [];
  const inner = `${indent}  `;
  for (const [key, value] of Object.entries(obj)) {
    const field = type.fields[key];
    if (!field) throw new Error(`${type.fullName} has no field "${key}"`);
    const where = `${type.name}.${key}`;
    const sub = field.resolvedType instanceof protobuf.Type ? field.resolvedType : null;
    if (field instanceof protobuf.MapField) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const val = sub
          ? `value {\n${toPbtxt(sub, v as Record<string, unknown>, `${inner}  `)}${inner}}`
          : `value: ${scalar(field, v, where)}`;
        lines.push(`${indent}${key} {\n${inner}key: ${quote(k)}\n${inner}${val}\n${indent}}`);
      }
    } else if (field.repeated && !sub) {
      const items = (value as unknown[]).map((v) => scalar(field, v, where));
      lines.push(`${indent}${key}: [${items.length ? ` ${items.join(', ')} ` : ' '}]`);
    } else if (sub) {
      for (const v of field.repeated ? (value as unknown[]) : [value]) {
        lines.push(`${indent}${key} {\n${toPbtxt(sub, v as Record<string, unknown>, inner)}${indent}}`);
      }
    } else {
      lines.push(`${indent}${key}: ${scalar(field, value, where)}`);
    }
  }
  return lines.map((l) => `${l}\n`).join('');
}

export function configPbtxt(config: Record<string, unknown>): string {
  const type = modelConfigType();
  const err = type.verify(type.fromObject(config));
  if (err) throw new Error(`Triton config does not fit inference.ModelConfig: ${err}`);
  const head = '# Triton model configuration (text format of inference.ModelConfig), written by cgan export --triton.';
  return `${head}\n${toPbtxt(type, config)}${GPU_NOTE}`;
}

export function tritonPaths(dir: string, name: string) {
  const modelDir = path.join(dir, name);
  return { modelDir, config: path.join(modelDir, 'config.pbtxt'), model: path.join(modelDir, '1', 'model.onnx') };
}

/**
 * Writes the repository entry for `bytes` (an exported generator). Leaves an existing model.onnx
 * alone when it holds the same bytes (the exporter may have written it there); refuses to replace
 * a different one or an existing config.pbtxt.
 */
export async function writeTritonRepository(
  dir: string,
  name: string,
  bytes: Uint8Array,
  opts: TritonOptions & { force?: boolean } = {},
) {
  readModelInfo(bytes, name); // only generators of this project's shape: the config assumes it
  const config = tritonConfig(name, readOnnxSummary(bytes, name), opts);
  const text = configPbtxt(config);
  const p = tritonPaths(dir, name);
  await fs.mkdir(path.dirname(p.model), { recursive: true });
  const existing = await fs.readFile(p.model).catch(() => null);
  // Without force an existing entry is never replaced (RefusedError: the CLI's exit 4).
  const flag = opts.force ? 'w' : 'wx';
  if (existing && !opts.force && !Buffer.from(bytes).equals(existing))
    throw new RefusedError(
      `${p.model} exists and holds another model: pass --force to replace it, or pick another --name`,
    );
  if (!existing || opts.force) await fs.writeFile(p.model, bytes, { flag: existing ? 'w' : flag });
  await fs.writeFile(p.config, text, { flag }).catch((e: NodeJS.ErrnoException) => {
    throw e.code === 'EEXIST'
      ? new RefusedError(`${p.config} exists: pass --force to replace it, or pick another --name`)
      : e;
  });
  return { ...p, config: p.config, text };
}
