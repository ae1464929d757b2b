/**
 * The generator contract: the one home of everything the trainer, the exporter, the runtime, the
 * server and the tests must agree on about a generator. Its architecture (from image size, channels
 * and classes), the checkpoint's tensor names and shapes (which are also the weights hash's order),
 * the ONNX graph's tensor names and shapes, its metadata keys, ONNX's element-type codes and which
 * layout permutation each weight takes on its way to ONNX. Browser-safe: numbers and strings only.
 *
 * The family is the seed notebook's: label Embedding(classes, 128) beside z(128) -> Dense ->
 * LeakyReLU(0.2) -> base x base x 128 -> k x [ConvTranspose(128, k4, s2, p1) -> LeakyReLU] ->
 * Conv(channels, k3, p1) -> Tanh. At 28x28, 1 channel and 10 classes it is exactly the seed's
 * (base 7, k = 2), tensor for tensor: the shipped model and old checkpoints and exports stay valid.
 */
import { IMAGE_SIZE_STEP, MAX_CLASSES, MAX_IMAGE_SIZE, MIN_IMAGE_SIZE } from './limits.ts';

/** metadata_props "format" of every cgan-onnx generator. */
export const GENERATOR_FORMAT = 'cgan-onnx.generator';
export const GENERATOR_FORMAT_VERSION = '1';

/** Graph input and output names. */
export const TENSOR = { z: 'z', label: 'label', image: 'image' } as const;

/** ONNX TensorProto element types this project writes or reads (onnx.proto's DataType). */
export const ONNX_TYPE = { FLOAT: 1, INT64: 7, FLOAT16: 10 } as const;
export const ELEM_FLOAT = ONNX_TYPE.FLOAT;
export const ELEM_INT64 = ONNX_TYPE.INT64;

/** Symbolic name of the batch dimension in the graph's signature. */
export const BATCH_DIM = 'batch';

/** The slope of every LeakyReLU in both networks (the seed's 0.2). */
export const LEAKY_SLOPE = 0.2;

/**
 * metadata_props keys of an exported generator (docs/export.md). `channels` is written only when it
 * is not 1, so that a one-channel export stays byte-identical to one made before colour existed;
 * a reader takes its absence as 1.
 */
export const META = {
  format: 'format',
  formatVersion: 'format_version',
  numClasses: 'num_classes',
  classNames: 'class_names',
  zDim: 'z_dim',
  imageSize: 'image_size',
  channels: 'channels',
  embedDim: 'embed_dim',
  genChannels: 'gen_channels',
  producer: 'producer',
  producerVersion: 'producer_version',
  weightsDtype: 'weights_dtype',
  weightsHash: 'weights_sha256',
  fp16WeightsHash: 'weights_fp16_sha256',
  step: 'checkpoint.step',
  dataset: 'checkpoint.dataset',
} as const;

/** What a generator is, as far as its weights and graph go. */
export interface GeneratorArch {
  numClasses: number;
  zDim: number;
  /** Size of the label embedding (the seed: 128). */
  embedDim: number;
  /** Square image side, a multiple of 4. */
  imageSize: number;
  /** 1 (grayscale) or 3 (RGB). */
  channels: number;
  /** Feature maps of the dense output and every transposed convolution (the seed: 128). */
  genChannels: number;
}

/** The seed's sizes, for any data shape. */
export function seedGeneratorArch(numClasses = 10, imageSize = 28, channels = 1): GeneratorArch {
  return { numClasses, zDim: 128, embedDim: 128, imageSize, channels, genChannels: 128 };
}

/**
 * Stride-2 blocks between the base map and the image: as many halvings as leave an integer side
 * of at least 4 (28 -> 7: 2 blocks, the seed's; 32 -> 4: 3; 64 -> 4: 4; 48 -> 6: 3). The critic
 * uses as many stride-2 convolutions on the way down.
 */
export function strideBlocks(imageSize: number): number {
  let k = 0;
  while (imageSize % 2 ** (k + 1) === 0 && imageSize / 2 ** (k + 1) >= 4) k++;
  return k;
}

/** Side of the dense layer's map, before the first transposed convolution. */
export function baseSize(imageSize: number): number {
  return imageSize / 2 ** strideBlocks(imageSize);
}

/** Why an image size cannot be used, or null. */
export function imageSizeProblem(size: number): string | null {
  if (!Number.isInteger(size) || size % IMAGE_SIZE_STEP !== 0 || size < MIN_IMAGE_SIZE || size > MAX_IMAGE_SIZE)
    return (
      `image size ${size} is not supported: it must be a multiple of ${IMAGE_SIZE_STEP} from ${MIN_IMAGE_SIZE} to ` +
      `${MAX_IMAGE_SIZE} (square images)`
    );
  return null;
}

/** Why an architecture cannot be built, or null. */
export function archProblem(a: GeneratorArch): string | null {
  const size = imageSizeProblem(a.imageSize);
  if (size) return size;
  if (a.channels !== 1 && a.channels !== 3) return `channels must be 1 or 3, got ${a.channels}`;
  if (!Number.isInteger(a.numClasses) || a.numClasses < 2 || a.numClasses > MAX_CLASSES)
    return `a conditional generator needs 2 to ${MAX_CLASSES} classes, got ${a.numClasses}`;
  for (const k of ['zDim', 'embedDim', 'genChannels'] as const)
    if (!Number.isInteger(a[k]) || a[k] < 1) return `${k} must be a positive integer, got ${a[k]}`;
  return null;
}

/** Names of the transposed convolutions, in order: deconv1..deconvK (the seed's deconv1, deconv2). */
export function deconvLayers(imageSize: number): string[] {
  return Array.from({ length: strideBlocks(imageSize) }, (_, i) => `deconv${i + 1}`);
}

/** How a checkpoint tensor (tfjs layout) is laid out in the ONNX graph. */
export type OnnxLayout =
  /** The same values in the same order. */
  | 'same'
  /** Dense columns reordered from NHWC (h, w, ch) to NCHW (ch, h, w), so Reshape gives NCHW. */
  | 'dense-nchw'
  /** A 4-d kernel [kh, kw, a, b] transposed to [b, a, kh, kw] (conv2d's and conv2dTranspose's alike). */
  | 'kernel';

/** One generator weight, as the checkpoint holds it and as the ONNX graph holds it. */
export interface GeneratorWeight {
  /** Checkpoint name (docs/checkpoint-format.md). */
  name: string;
  /** Shape in the checkpoint (tfjs layout). */
  shape: number[];
  /** Initializer name in the ONNX graph (a float16 model stores `<onnx>.fp16` and casts it). */
  onnx: string;
  onnxShape: number[];
  layout: OnnxLayout;
  /** For 'dense-nchw': the side and channels of the map the columns make. */
  map?: [number, number];
}

/**
 * Every generator weight, in the weights hash's order (runtime/weights-hash.ts), which is also the
 * order the exporter writes them.
 */
export function generatorWeights(a: GeneratorArch): GeneratorWeight[] {
  const g = a.genChannels;
  const s = baseSize(a.imageSize);
  const rows = a.zDim + a.embedDim;
  const out: GeneratorWeight[] = [
    w('generator.embedding', [a.numClasses, a.embedDim], 'embedding', [a.numClasses, a.embedDim], 'same'),
    { ...w('generator.dense.kernel', [rows, s * s * g], 'dense.weight', [rows, s * s * g], 'dense-nchw'), map: [s, g] },
    { ...w('generator.dense.bias', [s * s * g], 'dense.bias', [s * s * g], 'dense-nchw'), map: [s, g] },
  ];
  for (const d of deconvLayers(a.imageSize)) {
    // conv2dTranspose's kernel is [kh, kw, out, in]; ConvTranspose's W is [in, out, kh, kw].
    out.push(w(`generator.${d}.kernel`, [4, 4, g, g], `${d}.weight`, [g, g, 4, 4], 'kernel'));
    out.push(w(`generator.${d}.bias`, [g], `${d}.bias`, [g], 'same'));
  }
  // conv2d's kernel is [kh, kw, in, out]; Conv's W is [out, in, kh, kw].
  out.push(w('generator.conv.kernel', [3, 3, g, a.channels], 'conv.weight', [a.channels, g, 3, 3], 'kernel'));
  out.push(w('generator.conv.bias', [a.channels], 'conv.bias', [a.channels], 'same'));
  return out;
}

function w(name: string, shape: number[], onnx: string, onnxShape: number[], layout: OnnxLayout): GeneratorWeight {
  return { name, shape, onnx, onnxShape, layout };
}

/** Checkpoint name -> shape of every generator tensor (tfjs layouts). */
export function generatorShapes(a: GeneratorArch): Record<string, number[]> {
  return Object.fromEntries(generatorWeights(a).map((t) => [t.name, t.shape]));
}

/** The checkpoint's generator tensor names, in the weights hash's order. */
export function generatorTensorNames(a: GeneratorArch): string[] {
  return generatorWeights(a).map((t) => t.name);
}

/** z: float32 [batch, zDim]. */
export function zShape(zDim: number): [string, number] {
  return [BATCH_DIM, zDim];
}

/** label: int64 [batch]. */
export function labelShape(): [string] {
  return [BATCH_DIM];
}

/** image: float32 [batch, channels, size, size], NCHW, values in [-1, 1]. */
export function imageShape(imageSize: number, channels = 1): [string, number, number, number] {
  return [BATCH_DIM, channels, imageSize, imageSize];
}

/** The architecture's metadata entries, in the order the exporter writes them. */
export function archMetadata(a: GeneratorArch, classNames: string[]): Record<string, string> {
  return {
    [META.numClasses]: String(a.numClasses),
    [META.classNames]: JSON.stringify(classNames),
    [META.zDim]: String(a.zDim),
    [META.imageSize]: String(a.imageSize),
    ...(a.channels !== 1 ? { [META.channels]: String(a.channels) } : {}),
    [META.embedDim]: String(a.embedDim),
    [META.genChannels]: String(a.genChannels),
  };
}
