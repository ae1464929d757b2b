/**
 * The exported generator's format: the one definition that export/onnx-generator.ts writes and
 * runtime/model-info.ts and runtime/generator.ts check and feed (docs/export.md describes it).
 */

/** metadata_props "format" of every cgan-onnx generator. */
export const GENERATOR_FORMAT = 'cgan-onnx.generator';
export const GENERATOR_FORMAT_VERSION = '1';

/** Graph input and output names. */
export const TENSOR = { z: 'z', label: 'label', image: 'image' } as const;

/** ONNX TensorProto element types of the three tensors. */
export const ELEM_FLOAT = 1;
export const ELEM_INT64 = 7;

/** Symbolic name of the batch dimension in the graph's signature. */
export const BATCH_DIM = 'batch';

/** z: float32 [batch, zDim]. */
export function zShape(zDim: number): [string, number] {
  return [BATCH_DIM, zDim];
}

/** label: int64 [batch]. */
export function labelShape(): [string] {
  return [BATCH_DIM];
}

/** image: float32 [batch, 1, size, size], NCHW, values in [-1, 1]. */
export function imageShape(imageSize: number): [string, 1, number, number] {
  return [BATCH_DIM, 1, imageSize, imageSize];
}
