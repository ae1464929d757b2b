/**
 * Where eval reads fields that issue 32 adds on other branches: the Dataset of train/data.ts gains
 * `size`, `channels` and `fingerprint` (replacing `rows`/`cols`) and takes `imageSize`/`channels`
 * options; the generator's ModelInfo gains `channels` (Images already say theirs). Each reader
 * takes the new field and falls back to today's, so this branch builds and tests before the merge;
 * after it, each is one property read and this file can go.
 */
import { loadDataset, type Dataset } from '../train/data.ts';
import type { ModelInfo } from '../runtime/model-info.ts';

interface Widened {
  size?: number;
  rows?: number;
  channels?: number;
  fingerprint?: string;
}

/** Square side and channels of a dataset's images (today's: rows, 1). */
export function dataShape(ds: Dataset): { size: number; channels: number } {
  const d = ds as unknown as Widened;
  return { size: d.size ?? d.rows ?? 0, channels: d.channels ?? 1 };
}

/** The loader's fingerprint of the dataset's sources, when it gives one. */
export function dataFingerprint(ds: Dataset): string | undefined {
  return (ds as unknown as Widened).fingerprint;
}

/** Channels of a generator's images (today's models: 1). */
export function modelChannels(info: ModelInfo): number {
  return (info as unknown as Widened).channels ?? 1;
}

export interface DataRequest {
  dir?: string;
  split?: 'train' | 'test';
  limit?: number;
  /** Decode to this size and channels (the new loader resizes and converts; today's takes 28x28x1 only). */
  imageSize?: number;
  channels?: 1 | 3;
  log?: (line: string) => void;
}

export function loadData(o: DataRequest): Promise<Dataset> {
  // A variable, not a literal: today's LoadOptions lacks imageSize/channels/log, the new one has them.
  const opts = { ...o };
  return loadDataset(opts);
}
