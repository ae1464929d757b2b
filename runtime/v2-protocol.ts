/**
 * The Open Inference Protocol (KServe v2, what Triton speaks over HTTP/REST): the JSON shapes this
 * project reads and writes, and the one table from ONNX element types to v2 datatypes. Shared by
 * the server (serve/) and the remote generator (runtime/remote.ts); browser-safe.
 */
import { ELEM_FLOAT, ELEM_INT64, type IoSignature } from './model-info.ts';

/** ONNX TensorProto element type -> v2 datatype name. Triton's config names are these with `TYPE_` in front. */
export const V2_DATATYPES: Readonly<Record<number, string>> = { [ELEM_FLOAT]: 'FP32', [ELEM_INT64]: 'INT64' };

/** A tensor's description in model metadata; -1 marks a variable dimension (the batch). */
export interface V2TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

export interface V2ModelMetadata {
  name: string;
  versions?: string[];
  platform: string;
  inputs: V2TensorMetadata[];
  outputs: V2TensorMetadata[];
  /** Not in the protocol's required fields: `cgan serve` puts the model's metadata_props here. */
  parameters?: Record<string, unknown>;
}

export interface V2Tensor extends V2TensorMetadata {
  /** Row-major values; the protocol also allows nested arrays, which servers flatten. */
  data: unknown;
  parameters?: Record<string, unknown>;
}

export interface V2InferRequest {
  id?: string;
  inputs: V2Tensor[];
  outputs?: { name: string; parameters?: Record<string, unknown> }[];
  parameters?: Record<string, unknown>;
}

export interface V2InferResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  outputs: V2Tensor[];
}

/**
 * The binary tensor extension (Triton's, which `cgan serve` speaks for outputs): a response with
 * this header holds that many bytes of JSON, then each binary output's raw little-endian bytes.
 */
export const BINARY_HEADER = 'inference-header-content-length';

/** The error body both Triton and `cgan serve` answer with. */
export interface V2Error {
  error: string;
}

/** Tensor `data` nested deeper than its shape allows. */
export class NestingError extends Error {
  constructor(readonly maxDepth: number) {
    super(`it is nested deeper than its shape's ${maxDepth} dimensions`);
    this.name = 'NestingError';
  }
}

/**
 * Tensor `data` in row-major order: the protocol allows flat and nested arrays. Iterative, with a
 * depth limit (the tensor's rank), so hostile nesting a million levels deep is an error, not a
 * stack overflow.
 */
export function flattenData(data: unknown, maxDepth = Number.POSITIVE_INFINITY): unknown[] {
  const out: unknown[] = [];
  if (!Array.isArray(data)) {
    out.push(data);
    return out;
  }
  if (maxDepth < 1) throw new NestingError(maxDepth);
  const stack: { a: unknown[]; i: number }[] = [{ a: data, i: 0 }];
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.i >= top.a.length) {
      stack.pop();
      continue;
    }
    const v = top.a[top.i++];
    if (!Array.isArray(v)) out.push(v);
    else if (stack.length >= maxDepth) throw new NestingError(maxDepth);
    else stack.push({ a: v, i: 0 });
  }
  return out;
}

export function v2Datatype(elemType: number): string {
  const t = V2_DATATYPES[elemType];
  if (!t)
    throw new Error(
      `ONNX element type ${elemType} has no v2 datatype here (known: ${Object.values(V2_DATATYPES).join(', ')})`,
    );
  return t;
}

/** The element type of a v2 datatype, or null when this project has none for it. */
export function elemTypeOf(datatype: string): number | null {
  for (const [elem, name] of Object.entries(V2_DATATYPES)) if (name === datatype) return Number(elem);
  return null;
}

/** A graph input/output as v2 metadata: symbolic dims (the batch) become -1. */
export function toV2Metadata(sig: IoSignature): V2TensorMetadata {
  return {
    name: sig.name,
    datatype: v2Datatype(sig.elemType),
    shape: sig.dims.map((d) => (typeof d === 'number' ? d : -1)),
  };
}

/** The reverse, for checks written against graph signatures: -1 becomes the symbolic "batch". */
export function fromV2Metadata(t: V2TensorMetadata): IoSignature {
  return { name: t.name, elemType: elemTypeOf(t.datatype) ?? 0, dims: t.shape.map((d) => (d < 0 ? 'batch' : d)) };
}
