/**
 * Checkpoint files: one safetensors file holding the weights, both Adam states and, as metadata,
 * the run's configuration and position. Format: docs/checkpoint-format.md.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BadFileError } from '../runtime/errors.ts';
import { fsErrorSentence } from '../runtime/files.ts';
import { archOf, type ArchConfig } from './model.ts';
import type { RngState } from '../runtime/random.ts';
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensorsFile,
  type SafetensorsFile,
  type StoredTensor,
} from './safetensors.ts';

export const CHECKPOINT_FORMAT = 'cgan-onnx.checkpoint';
export const CHECKPOINT_VERSION = '1';
export { CHECKPOINT_FILE, checkpointPath, runDir, type Hyper } from './run-files.ts';
import { CHECKPOINT_FILE, checkpointPath, type Hyper } from './run-files.ts';

export interface DatasetInfo {
  name: string;
  imagesFile: string;
  labelsFile: string;
  count: number;
  numClasses: number;
  classNames: string[];
}

export interface TrainConfig {
  arch: ArchConfig;
  hyper: Hyper;
  dataset: DatasetInfo;
  /** Backend the run was started on (a resume may use another). */
  backend: string;
  workers: number;
  seed: number;
}

export interface TrainState {
  /** Critic steps done (the seed's `step`). */
  step: number;
  generatorSteps: number;
  /** Completed epochs. */
  epoch: number;
  /** Batches already taken from the current epoch's permutation. */
  batchInEpoch: number;
  /** RNG state at the start of the current epoch: regenerates its permutation on resume. */
  epochRng: RngState;
  /** RNG state now (noise, labels, interpolation weights). */
  rng: RngState;
  /** Adam's step counters (bias correction). */
  adamT: { generator: number; critic: number };
  /** Training seconds so far, across resumes. */
  wallSeconds: number;
}

export interface Checkpoint {
  config: TrainConfig;
  state: TrainState;
  /**
   * Parameters by name (model.ts names), then `adam.m.<name>`, `adam.v.<name>` and, for generator weights,
   * `ema.<name>`.
   */
  tensors: Record<string, StoredTensor>;
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  return encodeSafetensors({
    tensors: c.tensors,
    metadata: {
      format: CHECKPOINT_FORMAT,
      format_version: CHECKPOINT_VERSION,
      config: JSON.stringify(c.config),
      state: JSON.stringify(c.state),
    },
  });
}

export function decodeCheckpoint(bytes: Uint8Array, what: string): Checkpoint {
  return fromSafetensors(decodeSafetensors(bytes, what), what);
}

function fromSafetensors(f: SafetensorsFile, what: string): Checkpoint {
  if (f.metadata.format !== CHECKPOINT_FORMAT) {
    throw new BadFileError(
      `${what}: not a cgan-onnx checkpoint (metadata.format is ${JSON.stringify(f.metadata.format)})`,
    );
  }
  if (f.metadata.format_version !== CHECKPOINT_VERSION) {
    throw new BadFileError(
      `${what}: checkpoint format version ${f.metadata.format_version}; this build reads version ${CHECKPOINT_VERSION}`,
    );
  }
  let config: TrainConfig;
  let state: TrainState;
  try {
    config = JSON.parse(f.metadata.config);
    state = JSON.parse(f.metadata.state);
  } catch (e) {
    throw new BadFileError(
      `${what}: its config/state metadata is not valid JSON (${(e as Error).message}); ` +
        `the file was edited or is damaged`,
    );
  }
  if (
    !config?.arch ||
    !config.hyper ||
    !config.dataset ||
    !state ||
    !Number.isInteger(state.step) ||
    !Array.isArray(state.rng)
  ) {
    throw new BadFileError(
      `${what}: its config/state metadata is incomplete; the file was edited or is damaged: ` +
        `resume from another checkpoint`,
    );
  }
  // Written before colour existed: one channel.
  config.arch = archOf(config.arch);
  return { config, state, tensors: f.tensors };
}

/** The first tensor holding NaN or an infinity, as "name[index] = value", or null. */
export function firstNonFinite(tensors: Record<string, StoredTensor>): string | null {
  for (const [name, t] of Object.entries(tensors)) {
    for (let i = 0; i < t.data.length; i++) if (!Number.isFinite(t.data[i])) return `${name}[${i}] = ${t.data[i]}`;
  }
  return null;
}

export async function readCheckpoint(runOrFile: string): Promise<Checkpoint> {
  const file = checkpointPath(runOrFile);
  const f = await readSafetensorsFile(
    file,
    (f) => `no checkpoint at ${f}: pass a run directory written by \`cgan train --out DIR\` or its ${CHECKPOINT_FILE}`,
  );
  return fromSafetensors(f, file);
}

/**
 * Writes the checkpoint to a temporary file, flushes it, then renames it over the old one, so a
 * crash at any moment leaves either the old checkpoint or the new one, never half of one.
 */
export async function writeCheckpoint(dir: string, c: Checkpoint): Promise<string> {
  const file = path.join(dir, CHECKPOINT_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await fs.mkdir(dir, { recursive: true });
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(encodeCheckpoint(c));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (e) {
    // A full disk must not stay full of our half-written file; the old checkpoint is untouched.
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw new BadFileError(`${fsErrorSentence(e, file, 'write')} (the previous checkpoint, if any, is unchanged)`);
  }
  return file;
}
