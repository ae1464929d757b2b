/** What both entry points (node.ts, browser.ts) re-export: the platform-neutral API. */
export { DEFAULT_BATCH, GeneratorBase, type Backend, type GenerateRequest, type LoadOptions } from './generator.ts';
export {
  AUTO_ORDER,
  DEVICES,
  FALLBACK,
  deviceNames,
  type Device,
  type ExecutionProvider,
  type Platform,
} from './devices.ts';
export type { RunsOn } from './devices.ts';
export {
  asRGBA,
  gridLayout,
  renderGrid,
  renderImage,
  toByte,
  toGray8,
  type AnyImages,
  type GridOptions,
  type ImageBatch,
  type Images,
  type RGBAImage,
} from './images.ts';
export { checkLabels, parseLabels, repeatLabels } from './labels.ts';
export { GENERATOR_FORMAT_VERSION, TENSOR, imageShape, labelShape, zShape } from './generator-contract.ts';
export {
  GENERATOR_FORMAT,
  readModel,
  readModelInfo,
  readOnnxSummary,
  type GeneratorModel,
  type IoSignature,
  type ModelInfo,
  type OnnxSummary,
} from './model-info.ts';
export {
  MODEL_DTYPES,
  abortable,
  fetchModel,
  isHttpUrl,
  urlWithDtype,
  withDtype,
  type LoadProgress,
  type ModelDtype,
  type SourceOptions,
} from './model-source.ts';
export { Rng, noiseFromSeed, type RngState } from './random.ts';
export { BadFileError, BadModelError, BadRequestError } from './errors.ts';
export { MAX_IMAGES_PER_REQUEST, MAX_MODEL_BYTES } from './limits.ts';
export { verifyWeights } from './weights-hash.ts';
export { modelInfoFromSummary } from './model-info.ts';
export { isRemoteModelUrl, RemoteError, type RemoteLoadOptions, type RemoteOptions } from './remote.ts';
export { V2_DATATYPES, type V2InferRequest, type V2InferResponse, type V2ModelMetadata } from './v2-protocol.ts';
