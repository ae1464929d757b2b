/**
 * Builds the generator's ONNX graph from checkpoint weights (tfjs layouts), for the architecture that
 * runtime/generator-contract.ts derives from image size, channels and classes:
 *
 *   label -> Gather(embedding) -> Concat([z, emb]) -> Gemm -> LeakyRelu(0.2) -> Reshape [B,128,b,b]
 *   -> k x [ConvTranspose(k4,s2,p1) -> LeakyRelu] -> Conv(k3,s1,p1) -> Tanh -> image [B,C,S,S]
 *
 * (the seed's MNIST model: b = 7, k = 2, C = 1, S = 28). Every pad is explicit (no auto_pad:
 * onnxruntime-web's WebGPU/WebGL kernels have had auto_pad bugs) and the dense columns are reordered
 * to NCHW at export, so the graph has no Transpose. Opset 17: every op here is covered by
 * onnxruntime-web's WebGPU EP.
 */
import { createHash } from 'node:crypto';
import {
  AttrType,
  DataType,
  IR_VERSION,
  OPSET,
  encodeModel,
  type Attribute,
  type Model,
  type Node,
  type Tensor,
  type ValueInfo,
} from './onnx-schema.ts';
import { toFloat16Array, toOnnxLayout } from '../runtime/layouts.ts';
import {
  GENERATOR_FORMAT,
  GENERATOR_FORMAT_VERSION,
  LEAKY_SLOPE,
  META,
  TENSOR,
  archMetadata,
  archProblem,
  baseSize,
  deconvLayers,
  generatorWeights,
  imageShape,
  labelShape,
  zShape,
  type GeneratorArch,
} from '../runtime/generator-contract.ts';
import { weightHashChunks, type HashTensor } from '../runtime/weights-hash.ts';

export type { GeneratorArch };

export interface WeightTensor {
  shape: number[];
  data: Float32Array;
}

export interface Provenance {
  classNames: string[];
  producerVersion: string;
  step: number | null;
  dataset: string | null;
  /** Anything else worth keeping (epoch, source path...); stored as `checkpoint.<key>`. */
  extra?: Record<string, string>;
}

export interface BuildOptions {
  /** Store weights as float16 (with a Cast to float32 each); inputs, outputs and math stay float32. */
  fp16?: boolean;
}

/**
 * sha256 over the generator's weights as stored in the checkpoint (what is hashed: runtime/weights-hash.ts,
 * which checks it at load).
 */
export function weightsHash(arch: GeneratorArch, weights: Record<string, HashTensor>): string {
  const h = createHash('sha256');
  for (const chunk of weightHashChunks(arch, weights)) h.update(chunk);
  return h.digest('hex');
}

/** The same hash over the float16-rounded values (elementwise rounding commutes with the layout permutations). */
function fp16WeightsHash(arch: GeneratorArch, weights: Record<string, WeightTensor>): string {
  const half = Object.fromEntries(
    Object.entries(weights).map(([k, t]) => [k, { shape: t.shape, data: toFloat16Array(t.data) }]),
  );
  return weightsHash(arch, half);
}

function checkShapes(weights: Record<string, WeightTensor>, a: GeneratorArch): void {
  const problem = archProblem(a);
  if (problem) throw new Error(`checkpoint architecture: ${problem}`);
  for (const { name, shape } of generatorWeights(a)) {
    const t = weights[name];
    if (!t) throw new Error(`checkpoint has no tensor ${name}: it is not a cgan-onnx generator checkpoint`);
    if (t.shape.join() !== shape.join()) {
      throw new Error(`checkpoint tensor ${name} has shape [${t.shape}], the architecture needs [${shape}]`);
    }
    if (!(t.data instanceof Float32Array)) throw new Error(`checkpoint tensor ${name} is not float32`);
  }
}

function bytesOf(a: Float32Array | Uint16Array | BigInt64Array): Uint8Array {
  // ONNX raw_data is little-endian; so are the typed arrays on every platform Node/ORT support.
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

const ints = (name: string, v: number[]): Attribute => ({ name, type: AttrType.INTS, ints: v });
const int = (name: string, v: number): Attribute => ({ name, type: AttrType.INT, i: v });
const float = (name: string, v: number): Attribute => ({ name, type: AttrType.FLOAT, f: v });

function tensorInfo(name: string, elemType: number, dims: (number | string)[]): ValueInfo {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

/** Returns the serialized ModelProto and the metadata it carries. */
export function buildGeneratorOnnx(
  weights: Record<string, WeightTensor>,
  arch: GeneratorArch,
  prov: Provenance,
  opts: BuildOptions = {},
): { bytes: Uint8Array; metadata: Record<string, string> } {
  checkShapes(weights, arch);
  if (prov.classNames.length !== arch.numClasses) {
    throw new Error(`checkpoint names ${prov.classNames.length} classes but the model has ${arch.numClasses}`);
  }
  const g = arch.genChannels;
  const s = baseSize(arch.imageSize);
  const nodes: Node[] = [];
  const inits: Tensor[] = [];

  // Weights in ONNX layout, then stored as float32 or as float16 + Cast.
  const addWeight = (name: string, data: Float32Array, dims: number[]) => {
    if (!opts.fp16) {
      inits.push({ name, dims, data_type: DataType.FLOAT, raw_data: bytesOf(data) });
      return;
    }
    inits.push({ name: `${name}.fp16`, dims, data_type: DataType.FLOAT16, raw_data: bytesOf(toFloat16Array(data)) });
    nodes.push({
      op_type: 'Cast',
      name: `${name}.cast`,
      input: [`${name}.fp16`],
      output: [name],
      attribute: [int('to', DataType.FLOAT)],
    });
  };
  for (const t of generatorWeights(arch)) addWeight(t.onnx, toOnnxLayout(t, weights[t.name].data), t.onnxShape);
  inits.push({
    name: 'reshape.shape',
    dims: [4],
    data_type: DataType.INT64,
    raw_data: bytesOf(new BigInt64Array([-1n, BigInt(g), BigInt(s), BigInt(s)])),
  });

  const op = (op_type: string, name: string, input: string[], output: string, attribute: Attribute[] = []) =>
    nodes.push({ op_type, name, input, output: [output], attribute });
  op('Gather', 'embed', ['embedding', TENSOR.label], 'emb', [int('axis', 0)]);
  // The seed concatenates [z, embedding] in that order; the dense rows follow it.
  op('Concat', 'concat', [TENSOR.z, 'emb'], 'zc', [int('axis', 1)]);
  op('Gemm', 'dense', ['zc', 'dense.weight', 'dense.bias'], 'dense.out', [
    float('alpha', 1),
    float('beta', 1),
    int('transA', 0),
    int('transB', 0),
  ]);
  op('LeakyRelu', 'dense.act', ['dense.out'], 'dense.act', [float('alpha', LEAKY_SLOPE)]);
  op('Reshape', 'reshape', ['dense.act', 'reshape.shape'], 'map0');
  const deconvAttrs = [
    ints('kernel_shape', [4, 4]),
    ints('strides', [2, 2]),
    ints('pads', [1, 1, 1, 1]),
    ints('dilations', [1, 1]),
    int('group', 1),
  ];
  let map = 'map0';
  deconvLayers(arch.imageSize).forEach((d, i) => {
    op('ConvTranspose', d, [map, `${d}.weight`, `${d}.bias`], `${d}.out`, deconvAttrs);
    op('LeakyRelu', `${d}.act`, [`${d}.out`], `map${i + 1}`, [float('alpha', LEAKY_SLOPE)]);
    map = `map${i + 1}`;
  });
  op('Conv', 'conv', [map, 'conv.weight', 'conv.bias'], 'conv.out', [
    ints('kernel_shape', [3, 3]),
    ints('strides', [1, 1]),
    ints('pads', [1, 1, 1, 1]),
    ints('dilations', [1, 1]),
    int('group', 1),
  ]);
  op('Tanh', 'tanh', ['conv.out'], TENSOR.image);

  const metadata: Record<string, string> = {
    [META.format]: GENERATOR_FORMAT,
    [META.formatVersion]: GENERATOR_FORMAT_VERSION,
    ...archMetadata(arch, prov.classNames),
    [META.producer]: 'cgan-onnx',
    [META.producerVersion]: prov.producerVersion,
    [META.weightsDtype]: opts.fp16 ? 'float16' : 'float32',
    [META.weightsHash]: weightsHash(arch, weights),
    ...(opts.fp16 ? { [META.fp16WeightsHash]: fp16WeightsHash(arch, weights) } : {}),
    [META.step]: prov.step === null ? '' : String(prov.step),
    [META.dataset]: prov.dataset ?? '',
  };
  for (const [k, v] of Object.entries(prov.extra ?? {})) metadata[`checkpoint.${k}`] = v;

  const model: Model = {
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: OPSET }],
    producer_name: 'cgan-onnx',
    producer_version: prov.producerVersion,
    doc_string: 'Conditional WGAN-GP generator: (z, label) -> image in [-1, 1], NCHW.',
    graph: {
      name: 'cgan_generator',
      node: nodes,
      initializer: inits,
      input: [
        tensorInfo(TENSOR.z, DataType.FLOAT, zShape(arch.zDim)),
        tensorInfo(TENSOR.label, DataType.INT64, labelShape()),
      ],
      output: [tensorInfo(TENSOR.image, DataType.FLOAT, imageShape(arch.imageSize, arch.channels))],
    },
    metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  };
  return { bytes: encodeModel(model), metadata };
}
