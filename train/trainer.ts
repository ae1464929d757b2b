/**
 * The training loop: dataset -> critic/generator updates on a worker pool -> checkpoint files,
 * metrics.jsonl, per-epoch sample grids and the curves plot in the run directory.
 */
import { existsSync, promises as fs, statSync } from 'node:fs';
import { BadFileError, BadRequestError, RefusedError } from '../runtime/errors.ts';
import path from 'node:path';
import { Rng, noiseFromSeed } from '../runtime/random.ts';
import type { BackendRequest } from './backend.ts';
import {
  CHECKPOINT_FILE,
  checkpointPath,
  firstNonFinite,
  readCheckpoint,
  checkpointNote,
  writeCheckpoint,
  type Checkpoint,
  type DatasetInfo,
  type Hyper,
  type TrainConfig,
  type TrainState,
} from './checkpoint.ts';
import { lockRun } from './lock.ts';
import { epochOrder, rebatch } from './batches.ts';
import { batchImages, loadDataset, type Dataset } from './data.ts';
import { mismatchImages, mismatchRows } from './mismatch.ts';
import { MetricsWriter, readMetrics, truncateMetrics, type MetricsRecord } from './metrics.ts';
import { DEFAULT_EMA_DECAY, hasWeightAverage } from './ema.ts';
import { baseSize, strideBlocks } from '../runtime/generator-contract.ts';
import { criticShapes, defaultArch, generatorShapes, type ArchConfig } from './model.ts';
import { writeCurves } from './plot.ts';
import { describeRecipe, recipeProblem } from './recipe.ts';
import { NonFiniteError, WorkerPool } from './pool.ts';
import { writeSampleGrid } from './samples.ts';

export interface TrainOptions {
  out: string;
  /** Run directory (or checkpoint file) to continue from. */
  resume?: string;
  /** --data: an IDX directory, an image folder or a .zip (train/data.ts); default: the bundled MNIST. */
  dataDir?: string;
  /** Use only the first N training examples. */
  limit?: number;
  /** Decode the images to this side / channel count instead of the one chosen from the data. */
  imageSize?: number;
  channels?: number;
  /** An image that cannot be decoded is an error instead of a named skip. */
  strict?: boolean;
  /** Stop after this many completed epochs (total, counting resumed ones). */
  epochs?: number;
  /** Stop after this many critic steps (total). */
  steps?: number;
  backend: BackendRequest;
  workers?: number;
  hyper: Hyper;
  /**
   * On resume, the hyperparameters to change from the checkpoint's (e.g. a lower lr after a
   * divergence); the batch size cannot change mid-run.
   */
  hyperOverrides?: Partial<Hyper>;
  seed: number;
  /** Also checkpoint every N critic steps (0: only at epoch ends, on interrupt and at the end). */
  saveEvery?: number;
  /** Stop when this signal aborts (the CLI wires Ctrl-C to it); a checkpoint is written first. */
  signal?: AbortSignal;
  log?: (msg: string) => void;
  onStep?: (r: MetricsRecord, info: { totalSteps: number; stepsPerEpoch: number }) => void;
}

export interface TrainResult {
  state: TrainState;
  config: TrainConfig;
  checkpoint: string;
  backend: string;
  stoppedBy: 'done' | 'interrupted';
  stepSeconds: number[];
}

/** Columns per class in the epoch sample grids (each a fixed noise vector). */
const SAMPLE_ROWS = 4;

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const log = opts.log ?? ((m: string) => console.log(m));
  checkRunDirectory(opts.out);
  // The checkpoint and the data first: a run refused for either leaves no run directory behind.
  const prep = await prepare(opts, log);
  // Before anything is written: a second training on this directory stops here.
  const lock = await lockRun(opts.out, log);
  let result: TrainResult;
  try {
    result = await trainLocked(opts, log, prep);
  } catch (e) {
    // The run's own failure (a checkpoint write into a directory made read-only, say) is the one
    // to report; a lock that cannot be removed for the same reason only gets a note.
    await lock.release().catch((r) => log(`note: could not remove ${opts.out}/.lock: ${(r as Error).message}`));
    throw e;
  }
  await lock.release();
  return result;
}

/** --out must be a directory (or not exist yet): a file there would fail only after the workers start. */
function checkRunDirectory(out: string): void {
  if (existsSync(out) && !statSync(out).isDirectory()) {
    throw new BadFileError(
      `--out ${out} is a file, not a run directory; choose a directory path (it is created if missing)`,
    );
  }
}

interface Prepared {
  resumed?: Checkpoint;
  /** The resumed run's directory (absolute), if resuming. */
  resumeDir?: string;
  ds: Dataset;
  /** The --limit in effect (given, or the checkpoint's). */
  limit?: number;
}

/** Reads and checks the checkpoint to resume (if any) and loads the data, before the run directory exists. */
async function prepare(opts: TrainOptions, log: (m: string) => void): Promise<Prepared> {
  let resumed: Checkpoint | undefined;
  const resumeDir = opts.resume && path.dirname(path.resolve(checkpointPath(opts.resume)));
  if (opts.resume) {
    resumed = await readCheckpoint(opts.resume);
    const note = checkpointNote(resumed, checkpointPath(opts.resume));
    if (note) log(note);
  }
  if (existsSync(checkpointPath(opts.out)) && resumeDir !== path.resolve(opts.out)) {
    // Starting afresh, or continuing another run, here would overwrite this run: make the user say which.
    throw new RefusedError(
      `${opts.out} already holds a training run: pass --resume ${opts.out} to continue it, or choose another --out`,
    );
  }
  if (resumed) checkResumeTensors(resumed, checkpointPath(opts.resume!));
  const d = resumed?.config.dataset;
  // A resume reads the checkpoint's data, decoded as it was, unless the command line says otherwise.
  // Checkpoints from before `limit` was recorded store only the count (they were all IDX: the same thing).
  const limit = opts.limit ?? (d && (d.fingerprint !== undefined ? d.limit : d.count));
  const ds = await loadDataset({
    dir: opts.dataDir ?? (d && resumeSource(d)),
    limit,
    imageSize: opts.imageSize ?? d?.size,
    channels: opts.channels ?? d?.channels,
    strict: opts.strict,
    log,
  });
  if (resumed) checkResumeData(resumed, ds, log);
  return { resumed, resumeDir: resumeDir || undefined, ds, limit };
}

/** Where a checkpoint's data was: its source, or (older checkpoints) the IDX file's directory. */
function resumeSource(d: DatasetInfo): string | undefined {
  if (d.source !== undefined) return d.source || undefined;
  return d.name !== 'mnist' ? path.dirname(d.imagesFile) : undefined;
}

async function trainLocked(opts: TrainOptions, log: (m: string) => void, prep: Prepared): Promise<TrainResult> {
  const { resumed, resumeDir, ds } = prep;
  // Read before config (which is the checkpoint's own object on a resume) takes the overrides.
  const oldBatch = resumed?.config.hyper.batchSize;
  const config: TrainConfig = resumed
    ? resumed.config
    : {
        arch: defaultArch(ds.numClasses, ds.size, ds.channels),
        hyper: { ...opts.hyper, emaDecay: opts.hyper.emaDecay ?? DEFAULT_EMA_DECAY },
        dataset: datasetInfo(ds, prep.limit),
        backend: opts.backend,
        workers: 0,
        seed: opts.seed,
      };
  if (resumed) {
    // The data was checked against the checkpoint's (prepare): record it as it is now (in full, for older checkpoints).
    config.dataset = datasetInfo(ds, prep.limit);
    const changes = Object.entries(opts.hyperOverrides ?? {}).filter(
      ([k, v]) => resumed!.config.hyper[k as keyof Hyper] !== v,
    );
    // An optional lever absent from the checkpoint reads "unset" (its behaviour before it existed).
    for (const [k, v] of changes)
      log(`resume: ${k} ${resumed.config.hyper[k as keyof Hyper] ?? 'unset'} -> ${v} (from the command line)`);
    config.hyper = { ...config.hyper, ...Object.fromEntries(changes) };
    config.hyper.emaDecay ??= DEFAULT_EMA_DECAY; // checkpoints from before the average existed
    if (config.hyper.emaDecay > 0 && !hasWeightAverage(resumed.tensors, Object.keys(generatorShapes(config.arch)))) {
      log(
        `resume: this checkpoint has no generator weight average; ` +
          `it starts now from the resumed weights (decay ${config.hyper.emaDecay})`,
      );
    }
  }
  const { hyper, arch } = config;
  const problem = recipeProblem(hyper, ds);
  if (problem) throw new BadRequestError(problem);
  const orderOptions = {
    labels: ds.labels,
    numClasses: ds.numClasses,
    batchSize: hyper.batchSize,
    balanced: hyper.balanced,
  };
  const order = (r: Rng) => epochOrder(r, orderOptions);
  const stepsPerEpoch = Math.floor(ds.count / hyper.batchSize);
  if (stepsPerEpoch < 1)
    throw new BadRequestError(
      `the dataset has ${ds.count} examples, fewer than one batch of ${hyper.batchSize}: ` +
        `lower --batch-size or use more data`,
    );
  // A resume may change the batch size (a batch that grows over the run): the epoch goes on from
  // the same example, counted in batches of the new size.
  let batchInEpoch = resumed?.state.batchInEpoch ?? 0;
  if (resumed && oldBatch !== hyper.batchSize) {
    const at = {
      step: resumed.state.step,
      batchInEpoch,
      stepsPerEpoch: Math.floor(ds.count / oldBatch!),
    };
    const r = rebatch(at, oldBatch!, hyper.batchSize, hyper.balanced);
    if ('problem' in r) throw new BadRequestError(r.problem);
    batchInEpoch = r.batchInEpoch;
  }
  // --epochs N: until N epochs are complete, whatever batch sizes the earlier ones had.
  const epochSteps =
    opts.epochs === undefined
      ? Infinity
      : (resumed?.state.step ?? 0) + (opts.epochs - (resumed?.state.epoch ?? 0)) * stepsPerEpoch - batchInEpoch;
  const totalSteps = Math.min(opts.steps ?? Infinity, epochSteps);
  if (!Number.isFinite(totalSteps)) throw new BadRequestError('say how long to train: --epochs N or --steps N');

  const workers = opts.workers ?? 1;
  const pool = await WorkerPool.start(workers, arch, hyper, config.seed, opts.backend);
  // Every failure from here on must close the workers, or the process never exits.
  try {
    return await runWithPool(pool);
  } finally {
    await pool.close();
  }

  async function runWithPool(pool: WorkerPool): Promise<TrainResult> {
    config.workers = pool.size;
    if (!resumed) config.backend = pool.backend; // what ran, not what was asked for ("auto")
    log(`backend: ${pool.backend} x ${pool.size} worker${pool.size > 1 ? 's' : ''}`);
    for (const note of pool.notes) log(`  ${note}`);
    log(`recipe: ${describeRecipe(hyper)}`);
    log(
      `model: ${arch.imageSize}x${arch.imageSize}x${arch.channels}, ${arch.numClasses} classes, ` +
        `${strideBlocks(arch.imageSize)} stride-2 blocks from ${baseSize(arch.imageSize)}x${baseSize(arch.imageSize)}`,
    );

    await fs.mkdir(path.join(opts.out, 'samples'), { recursive: true });
    const metricsFile = path.join(opts.out, 'metrics.jsonl');
    let state: TrainState;
    let rng: Rng;
    let perm: Uint32Array;
    if (resumed) {
      await pool.load(resumed.tensors, resumed.state.adamT);
      state = { ...resumed.state, batchInEpoch };
      rng = new Rng(state.rng);
      // The epoch's shuffle is regenerated from the RNG state saved when the epoch began.
      perm = order(new Rng(state.epochRng));
      if (resumeDir !== path.resolve(opts.out))
        await fs.copyFile(path.join(resumeDir!, 'metrics.jsonl'), metricsFile).catch(() => undefined);
      await truncateMetrics(metricsFile, state.step);
      log(
        `resumed from ${opts.resume} at step ${state.step} (epoch ${state.epoch}, ` +
          `batch ${state.batchInEpoch}/${stepsPerEpoch})`,
      );
    } else {
      rng = new Rng(config.seed);
      const epochRng = rng.state();
      perm = order(rng);
      state = {
        step: 0,
        generatorSteps: 0,
        epoch: 0,
        batchInEpoch: 0,
        epochRng,
        rng: rng.state(),
        adamT: { generator: 0, critic: 0 },
        wallSeconds: 0,
      };
      await fs.rm(metricsFile, { force: true });
    }

    // Fixed noise for the per-epoch grids, from its own stream so it never shifts with training.
    const sampleNoise = noiseFromSeed((config.seed ^ 0x5a17) >>> 0, SAMPLE_ROWS, arch.zDim);
    const metrics = new MetricsWriter(metricsFile);
    const stepSeconds: number[] = [];
    const startWall = state.wallSeconds;
    const t0 = performance.now();
    const elapsed = () => startWall + (performance.now() - t0) / 1000;

    const save = async () => {
      await metrics.flush();
      const { tensors, adamT } = await pool.state();
      state.adamT = adamT;
      state.rng = rng.state();
      state.wallSeconds = elapsed();
      return writeCheckpoint(opts.out, { config, state, tensors });
    };
    const samples = async (tag: string) => {
      const labels = new Int32Array(SAMPLE_ROWS * arch.numClasses);
      const z = new Float32Array(labels.length * arch.zDim);
      for (let r = 0; r < SAMPLE_ROWS; r++) {
        for (let c = 0; c < arch.numClasses; c++) {
          labels[r * arch.numClasses + c] = c;
          z.set(sampleNoise.subarray(r * arch.zDim, (r + 1) * arch.zDim), (r * arch.numClasses + c) * arch.zDim);
        }
      }
      const images = await pool.generate(z, labels);
      const file = path.join(opts.out, 'samples', `${tag}.png`);
      return writeSampleGrid(file, images, labels, arch.numClasses, arch.imageSize, arch.channels);
    };

    let stoppedBy: TrainResult['stoppedBy'] = 'done';
    let checkpoint = path.join(opts.out, CHECKPOINT_FILE);
    try {
      if (!resumed) await samples('epoch-0000');
      const B = hyper.batchSize;
      while (state.step < totalSteps) {
        if (opts.signal?.aborted) {
          stoppedBy = 'interrupted';
          break;
        }
        const ts = performance.now();
        const idx = perm.subarray(state.batchInEpoch * B, (state.batchInEpoch + 1) * B);
        const labels = Int32Array.from(idx, (i) => ds.labels[i]);
        const z = rng.fillNormal(new Float32Array(B * arch.zDim));
        const alpha = Float32Array.from({ length: B }, () => rng.uniform());
        const real = batchImages(ds, idx);
        // Drawn only when on, so runs without it consume the RNG as before and resume bit-identically.
        const mismatch = hyper.mismatch ? mismatchImages(real, mismatchRows(labels, hyper.mismatch, rng)) : undefined;
        const m = await pool.criticStep({ real, labels, z, alpha, mismatch });
        state.step += 1;
        state.batchInEpoch += 1;
        const rec: MetricsRecord = {
          step: state.step,
          epoch: state.epoch + state.batchInEpoch / stepsPerEpoch,
          real_score: m.realScore,
          fake_score: m.fakeScore,
          wasserstein: m.realScore - m.fakeScore,
          penalty: m.penalty,
          seconds: 0,
        };
        if (state.step % hyper.nCritic === 0) {
          // The seed draws the generator's labels from the same batch; fresh noise.
          const g = await pool.generatorStep(labels, rng.fillNormal(new Float32Array(B * arch.zDim)));
          state.generatorSteps += 1;
          rec.generator_score = g.score;
        }
        rec.seconds = elapsed();
        stepSeconds.push((performance.now() - ts) / 1000);
        metrics.add(rec);
        opts.onStep?.(rec, { totalSteps, stepsPerEpoch });

        if (state.batchInEpoch === stepsPerEpoch) {
          state.epoch += 1;
          state.batchInEpoch = 0;
          state.epochRng = rng.state();
          perm = order(rng);
          await samples(`epoch-${String(state.epoch).padStart(4, '0')}`);
          checkpoint = await save();
        } else if (opts.saveEvery && state.step % opts.saveEvery === 0) {
          checkpoint = await save();
        } else if (state.step % 20 === 0) {
          await metrics.flush();
        }
      }
      checkpoint = await save();
    } catch (e) {
      if (e instanceof NonFiniteError) {
        await metrics.flush();
        const saved = await lastSavedStep(opts.out);
        const kept =
          saved === null
            ? 'No checkpoint was saved before it (checkpoints are written every epoch, ' +
              'or every --save-every N steps); ' +
              'start again with a lower --lr or a higher --lambda.'
            : `The last good checkpoint (step ${saved}) is kept at ${path.join(opts.out, CHECKPOINT_FILE)}; ` +
              'resume from it with a lower --lr or a higher --lambda.';
        throw new Error(`training diverged at step ${state.step + 1}: ${e.message}. ${kept}`);
      }
      throw e;
    }
    const all = await readMetrics(metricsFile);
    await writeCurves(opts.out, all, hyper.lambda, `cWGAN-GP on ${config.dataset.name}, ${all.length} critic steps`);
    return { state, config, checkpoint, backend: pool.backend, stoppedBy, stepSeconds };
  }
}

async function lastSavedStep(dir: string): Promise<number | null> {
  try {
    return (await readCheckpoint(dir)).state.step;
  } catch {
    return null;
  }
}

/**
 * A resumed checkpoint's tensors against the model its config describes, before any worker starts:
 * an edited shape or a NaN is a sentence about the file, not a worker's stack trace.
 */
function checkResumeTensors(c: Checkpoint, file: string): void {
  const arch: ArchConfig = c.config.arch;
  const shapes = { ...generatorShapes(arch), ...criticShapes(arch) };
  for (const [name, shape] of Object.entries(shapes)) {
    for (const key of [name, `adam.m.${name}`, `adam.v.${name}`]) {
      const t = c.tensors[key];
      if (!t)
        throw new BadFileError(`${file}: it has no tensor ${key}; it is not a complete checkpoint of this project`);
      if (t.shape.join(',') !== shape.join(',')) {
        throw new BadFileError(
          `${file}: tensor ${key} has shape [${t.shape}] but its config's model needs [${shape}]; ` +
            `the file was edited or is damaged`,
        );
      }
    }
  }
  const bad = firstNonFinite(c.tensors);
  if (bad) {
    throw new BadFileError(
      `${file}: ${bad} is not finite: the run had diverged when this was saved; resume from an earlier checkpoint`,
    );
  }
}

/** What a checkpoint records of its data: enough to find it again and to tell other data from it. */
function datasetInfo(ds: Dataset, limit: number | undefined): DatasetInfo {
  const { name, imagesFile, labelsFile, count, numClasses, classNames } = ds;
  const { source, kind, size, channels, fingerprint } = ds;
  const info: DatasetInfo = { name, imagesFile, labelsFile, count, numClasses, classNames };
  Object.assign(info, { source, kind, size, channels, fingerprint });
  if (limit !== undefined) info.limit = limit;
  return info;
}

/**
 * The data of a resume against the checkpoint's: another count, class set, size or channel count, or
 * other data at another path, is refused naming both; the same folder with changed files is said.
 */
export function checkResumeData(c: Checkpoint, ds: Dataset, log: (m: string) => void = () => undefined): void {
  const d = c.config.dataset;
  // Checkpoints from before image folders were all 28x28 grayscale.
  const size = d.size ?? 28;
  const channels = d.channels ?? 1;
  const where = (source: string | undefined, file: string) => (source === undefined ? file : source || 'bundled MNIST');
  const was = `${d.count} images of ${d.numClasses} classes at ${size}x${size}x${channels}`;
  const now = `${ds.count} of ${ds.numClasses} at ${ds.size}x${ds.size}x${ds.channels}`;
  const [from, to] = [where(d.source, d.imagesFile), where(ds.source, ds.imagesFile)];
  const both = `${was} (${from}) but the data given has ${now} (${to})`;
  const fix = 'resume with the same --data, --limit, --image-size and --channels, or start a new run';
  if (d.count !== ds.count || d.numClasses !== ds.numClasses || size !== ds.size || channels !== ds.channels)
    throw new BadRequestError(`the checkpoint was trained on ${both}: ${fix}`);
  if (d.classNames?.length && d.classNames.join('\n') !== ds.classNames.join('\n')) {
    throw new BadRequestError(
      `the checkpoint's classes are [${d.classNames.join(', ')}] ` +
        `but the data's are [${ds.classNames.join(', ')}]: ${fix}`,
    );
  }
  if (d.fingerprint === undefined || d.fingerprint === ds.fingerprint) return;
  const fp = `fingerprint ${d.fingerprint.slice(0, 12)} -> ${ds.fingerprint.slice(0, 12)}`;
  if ((d.source ?? '') !== ds.source) {
    throw new BadRequestError(
      `the checkpoint was trained on ${where(d.source, d.imagesFile)} but --data ${ds.source || '(bundled MNIST)'} ` +
        `holds other data (${fp}): ${fix}`,
    );
  }
  log(
    `note: the data in ${ds.source || 'the bundled MNIST'} changed since the checkpoint was written (${fp}); ` +
      'training goes on with it',
  );
}
