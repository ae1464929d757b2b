/**
 * Export self-check: the tfjs generator and onnxruntime-node run on the same noise and labels, at
 * several batch sizes that together cover every class; the max abs difference must stay under a limit.
 */
import type { ArchConfig } from '../train/model.ts';
import { nodeRuntime } from './node-runtime.ts';
import { noiseFromSeed } from '../runtime/random.ts';
import type { WeightTensor } from './onnx-generator.ts';
import { referenceBackend, referenceImages } from './reference.ts';

export const PARITY_LIMIT = 1e-4;
/** fp16 weights: rounding each weight to 11 significant bits moves outputs by ~1e-3. */
export const FP16_LIMIT = 1e-2;

export interface ParityRow {
  batch: number;
  maxAbsDiff: number;
}

export interface ParityReport {
  rows: ParityRow[];
  maxAbsDiff: number;
  limit: number;
  ok: boolean;
  /** Execution provider that ran the ONNX side. */
  device: string;
  /** tfjs backend of the reference side. */
  reference: string;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`internal: comparing ${a.length} values with ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d; // NaN propagates as the max
  }
  return m;
}

/** Labels 0, 1, ..., C-1, 0, ... shifted by `offset`, so the batches together hit every class. */
export function cycleLabels(count: number, numClasses: number, offset = 0): number[] {
  return Array.from({ length: count }, (_, i) => (i + offset) % numClasses);
}

export async function checkParity(
  onnx: Uint8Array,
  weights: Record<string, WeightTensor>,
  arch: ArchConfig,
  opts: { batches?: number[]; limit?: number; seed?: number } = {},
): Promise<ParityReport> {
  const batches = opts.batches ?? [1, 7, Math.max(arch.numClasses + 3, 13)];
  const limit = opts.limit ?? PARITY_LIMIT;
  const { Generator } = await nodeRuntime();
  const g = await Generator.load(onnx, { device: 'cpu' });
  const rows: ParityRow[] = [];
  let offset = 0;
  try {
    for (const [i, batch] of batches.entries()) {
      const labels = cycleLabels(batch, arch.numClasses, offset);
      offset += batch;
      const noise = noiseFromSeed((opts.seed ?? 1234) + i, batch, arch.zDim);
      const ref = await referenceImages(weights, arch, noise, labels);
      const got = await g.generate({ labels, noise });
      rows.push({ batch, maxAbsDiff: maxAbsDiff(ref, got.data) });
    }
  } finally {
    await g.dispose();
  }
  const worst = Math.max(...rows.map((r) => r.maxAbsDiff));
  return { rows, maxAbsDiff: worst, limit, ok: worst <= limit, device: g.device, reference: await referenceBackend() };
}
