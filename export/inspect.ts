/** `cgan info`: what an exported .onnx holds, from its metadata and a full protobuf decode of the graph. */
import { readModel, type GeneratorModel, type ModelInfo } from '../runtime/model-info.ts';
import { DataType, decodeModel, type Model } from './onnx-schema.ts';

const TYPE_NAMES: Record<number, string> = {
  [DataType.FLOAT]: 'float32',
  [DataType.INT64]: 'int64',
  [DataType.FLOAT16]: 'float16',
};
const typeName = (t: number) => TYPE_NAMES[t] ?? `type${t}`;
const BYTES: Record<number, number> = { [DataType.FLOAT]: 4, [DataType.INT64]: 8, [DataType.FLOAT16]: 2 };

export interface GraphSummary {
  irVersion: number;
  opset: number;
  inputs: string[];
  outputs: string[];
  /** Op types in graph order, Casts of fp16 weights left out. */
  ops: string[];
  nodeCount: number;
  parameters: number;
  weightBytes: Record<string, number>;
}

export function summarizeGraph(m: Model): GraphSummary {
  const sig = (v: Model['graph']['input'][number]) => {
    const t = v.type?.tensor_type;
    const dims = (t?.shape?.dim ?? []).map((d) => (d.dim_param ? d.dim_param : String(d.dim_value ?? '?')));
    return `${v.name}: ${typeName(t?.elem_type ?? 0)} [${dims.join(', ')}]`;
  };
  let parameters = 0;
  const weightBytes: Record<string, number> = {};
  for (const t of m.graph.initializer) {
    const n = t.dims.reduce((a, b) => a * b, 1);
    if (t.data_type !== DataType.INT64) parameters += n;
    const k = typeName(t.data_type);
    weightBytes[k] = (weightBytes[k] ?? 0) + n * (BYTES[t.data_type] ?? 0);
  }
  return {
    irVersion: m.ir_version,
    opset: m.opset_import.find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 0,
    inputs: m.graph.input.map(sig),
    outputs: m.graph.output.map(sig),
    ops: m.graph.node.filter((n) => !(n.op_type === 'Cast' && n.name?.endsWith('.cast'))).map((n) => n.op_type),
    nodeCount: m.graph.node.length,
    parameters,
    weightBytes,
  };
}

export function inspectOnnx(
  bytes: Uint8Array,
  what: string,
): { model: GeneratorModel; info: ModelInfo; graph: GraphSummary } {
  const model = readModel(bytes, what); // clear errors for files that are not generators
  return { model, info: model.info, graph: summarizeGraph(decodeModel(bytes)) };
}

export function formatInfo(file: string, info: ModelInfo, g: GraphSummary, fileBytes: number): string {
  const m = info.metadata;
  const lines = [
    `${file} (${(fileBytes / 1e6).toFixed(2)} MB)`,
    `classes:     ${info.numClasses} (${info.classNames.join(', ')})`,
    `z size:      ${info.zDim}`,
    `image:       ${info.channels} x ${info.imageSize} x ${info.imageSize} ` +
      `(${info.channels === 3 ? 'RGB' : 'gray'}), float32 NCHW in [-1, 1]`,
    `weights:     ${info.precision}, ${g.parameters.toLocaleString('en-US')} parameters, sha256 ${info.weightsHash}`,
    `producer:    ${info.producer} ${info.producerVersion}`,
    `checkpoint:  step ${info.step ?? '?'}, dataset ${info.dataset ?? '?'}` +
      (m['checkpoint.epoch'] ? `, epoch ${m['checkpoint.epoch']}` : '') +
      (m['checkpoint.generator_steps'] ? `, generator steps ${m['checkpoint.generator_steps']}` : '') +
      (m['checkpoint.weights']
        ? `; weights: ${m['checkpoint.weights'] === 'raw' ? 'last iterate' : `average, ${m['checkpoint.weights']}`}`
        : ''),
    `graph:       IR ${g.irVersion}, opset ${g.opset}, ${g.nodeCount} nodes`,
    `  inputs:    ${g.inputs.join('; ')}`,
    `  outputs:   ${g.outputs.join('; ')}`,
    `  ops:       ${g.ops.join(' -> ')}`,
    `  weights:   ${Object.entries(g.weightBytes)
      .map(([k, v]) => `${k} ${(v / 1e6).toFixed(2)} MB`)
      .join(', ')}`,
  ];
  return lines.join('\n');
}
