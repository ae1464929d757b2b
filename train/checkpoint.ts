/**
 * Checkpoint files: one safetensors file holding the weights, both Adam states and, as metadata,
 * the run's configuration and position. Format: docs/checkpoint-format.md.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { BadFileError } from '../runtime/errors.ts';
import { fsErrorSentence, writeFileDurably } from '../runtime/files.ts';
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
  // Optional: checkpoints from before image folders lack them (their data was IDX at 28x28x1).
  /** Absolute path given to --data; '' for the bundled MNIST. */
  source?: string;
  kind?: 'idx' | 'folder' | 'zip';
  size?: number;
  channels?: 1 | 3;
  /** The Dataset's fingerprint (train/dataset/types.ts): tells other data, or changed files, apart. */
  fingerprint?: string;
  /** The --limit given, if any (a resume takes the same examples). */
  limit?: number;
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
   * Set when read: whether every tensor matched the sha256 stored when it was saved ('checked'), or
   * the file predates the checksums ('unchecked': see checkpointNote). Ignored when writing.
   */
  integrity?: 'checked' | 'unchecked';
  /**
   * Parameters by name (model.ts names), then `adam.m.<name>`, `adam.v.<name>` and, for generator weights,
   * `ema.<name>`.
   */
  tensors: Record<string, StoredTensor>;
}

/** Metadata key holding JSON `{tensor name: sha256 hex of its little-endian bytes}`. */
export const CHECKSUM_KEY = 'tensors_sha256';

function tensorSha256(t: StoredTensor): string {
  return createHash('sha256')
    .update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength))
    .digest('hex');
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  // A checksum per tensor, so damage inside the data (which the container cannot see: any bytes
  // are valid floats) stops a resume or an export instead of training on or shipping it.
  const sums = Object.fromEntries(Object.entries(c.tensors).map(([name, t]) => [name, tensorSha256(t)]));
  return encodeSafetensors({
    tensors: c.tensors,
    metadata: {
      format: CHECKPOINT_FORMAT,
      format_version: CHECKPOINT_VERSION,
      config: JSON.stringify(c.config),
      state: JSON.stringify(c.state),
      [CHECKSUM_KEY]: JSON.stringify(sums),
    },
  });
}

export function decodeCheckpoint(bytes: Uint8Array, what: string): Checkpoint {
  return fromSafetensors(decodeSafetensors(bytes, what), what);
}

/**
 * Checks each tensor against its stored sha256 (BadFileError naming the first that differs); a
 * file written before checksums existed is 'unchecked'.
 */
function checkIntegrity(f: SafetensorsFile, what: string): 'checked' | 'unchecked' {
  const stored = f.metadata[CHECKSUM_KEY];
  if (stored === undefined) return 'unchecked';
  const damaged = (why: string) =>
    new BadFileError(`${what}: ${why}: the file is damaged; resume or export from another checkpoint`);
  let sums: Record<string, unknown>;
  try {
    sums = JSON.parse(stored);
  } catch {
    throw damaged(`its ${CHECKSUM_KEY} metadata is not valid JSON`);
  }
  if (typeof sums !== 'object' || sums === null || Array.isArray(sums))
    throw damaged(`its ${CHECKSUM_KEY} metadata is not an object`);
  for (const name of Object.keys(sums))
    if (!(name in f.tensors)) throw damaged(`tensor ${name} has a checksum but is not in the file`);
  for (const [name, t] of Object.entries(f.tensors)) {
    if (typeof sums[name] !== 'string') throw damaged(`tensor ${name} has no stored checksum`);
    if (sums[name] !== tensorSha256(t))
      throw damaged(`tensor ${name} does not match the sha256 stored when it was saved`);
  }
  return 'checked';
}

/** The note for a checkpoint whose tensors could not be checked (written before checksums), or null. */
export function checkpointNote(c: Checkpoint, file: string): string | null {
  return c.integrity === 'unchecked'
    ? `note: ${file} has no tensor checksums (written by an older build): damage inside its tensors ` +
        'cannot be detected; the next save adds them'
    : null;
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
  const integrity = checkIntegrity(f, what);
  // Written before colour existed: one channel.
  config.arch = archOf(config.arch);
  return { config, state, tensors: f.tensors, integrity };
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
  try {
    await writeFileDurably(file, [encodeCheckpoint(c)]);
  } catch (e) {
    throw new BadFileError(`${fsErrorSentence(e, file, 'write')} (the previous checkpoint, if any, is unchanged)`);
  }
  return file;
}
