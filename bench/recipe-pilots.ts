/**
 * Pilot runs for the training recipe (issue 13): each named recipe (bench/pilot-recipes.ts) trains
 * from the same seed for the same compute, its checkpoints are scored with the project's quality
 * curve (eval/quality-curve.ts's measure: export with parity check, then `cgan eval`'s metrics), and
 * one figure puts every recipe's accuracy, worst class and Frechet distance against steps and minutes.
 *
 *   node --import tsx bench/recipe-pilots.ts time  --root /work/pilots            # step time per cost class
 *   node --import tsx bench/recipe-pilots.ts run   --root /work/pilots [--recipes a,b] [--base-steps 1500]
 *   node --import tsx bench/recipe-pilots.ts score --root /work/pilots            # score leftover snapshots
 *   node --import tsx bench/recipe-pilots.ts plot  --root /work/pilots [--results bench/results/recipe-pilots]
 *
 * Layout under --root: step-times.json; per recipe NAME/ a normal run directory (checkpoint,
 * metrics.jsonl, samples/), NAME/plan.json, NAME/quality.jsonl and NAME/snapshots/step-N.safetensors
 * (a checkpoint waiting to be scored; removed once scored). Every phase can be killed and rerun: a
 * pilot trains in segments of `every` steps (each a resumed `train()`, bit-identical to one long run),
 * so a kill loses at most one segment, and an unscored snapshot is scored on the next start.
 */
import { Command } from 'commander';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generatorTensorNames } from '../runtime/generator-contract.ts';
import type { WeightChoice } from '../export/export.ts';
import { loadClassifier } from '../eval/classifier.ts';
import { computeReference, type Reference } from '../eval/evaluate.ts';
import { measure, readQuality } from '../eval/quality-curve.ts';
import { selectBackend } from '../train/backend.ts';
import { writeChart } from '../train/chart.ts';
import { checkpointPath, readCheckpoint } from '../train/checkpoint.ts';
import { hasWeightAverage } from '../train/ema.ts';
import { readMetrics } from '../train/metrics.ts';
import { defaultArch } from '../train/model.ts';
import { WorkerPool } from '../train/pool.ts';
import { train } from '../train/trainer.ts';
import { Rng } from '../runtime/random.ts';
import { pilotSpec, type PilotCurve } from './pilot-chart.ts';
import {
  costKey,
  findRecipe,
  PILOT_RECIPES,
  pilotHyper,
  planPilot,
  type PilotPlan,
  type StepTimes,
} from './pilot-recipes.ts';

/** The figure's name for a --baseline-curve line unless --baseline-name gives another. */
const BASELINE_CURVE_NAME = 'wgan-gp long run';

interface Opts {
  root: string;
  recipes: string;
  seed: string;
  workers: string;
  baseSteps: string;
  points: string;
  baseStepSeconds: string;
  samples: string;
  weights: string;
  timeSteps: string;
  results?: string;
  limit?: string;
  baselineCurve?: string;
  baselineName: string;
}

const abort = new AbortController();
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) process.exit(130);
    stopping = true;
    console.error(`\n${sig}: stopping after this step (the pilot's checkpoint is written first)`);
    abort.abort();
  });
}

const stamp = () => new Date().toISOString().slice(11, 19);
const say = (m: string) => console.log(`[${stamp()}] ${m}`);

async function readJson<T>(file: string): Promise<T | undefined> {
  return existsSync(file) ? (JSON.parse(await fs.readFile(file, 'utf8')) as T) : undefined;
}

async function writeJson(file: string, v: unknown): Promise<void> {
  await fs.writeFile(`${file}.tmp`, JSON.stringify(v, null, 2) + '\n');
  await fs.rename(`${file}.tmp`, file);
}

/**
 * A critic step and a generator step cost the same whatever the learning rates, betas, lambda or
 * batch order, so a recipe's step time is critic(B) + generator(B) / nCritic. The time phase measures
 * both, per batch size the recipes use, on the real worker pool, in interleaved rounds (critic and
 * generator steps of every batch size in turn), so a change of load on a shared machine hits all of
 * them alike; the medians then give each recipe's step time as a ratio to the baseline's.
 */
async function timePhase(o: Opts): Promise<void> {
  const rounds = Number(o.timeSteps);
  const batches = [...new Set(selected(o).map((r) => pilotHyper(r, 1).batchSize))];
  const arch = defaultArch();
  const pools = new Map<number, WorkerPool>();
  const samples = new Map<number, { critic: number[]; generator: number[] }>();
  const rng = new Rng(Number(o.seed));
  const loads: number[] = [];
  try {
    for (const b of batches) {
      pools.set(
        b,
        await WorkerPool.start(
          Number(o.workers),
          arch,
          { ...pilotHyper(PILOT_RECIPES[0], 1), batchSize: b },
          1,
          'auto',
        ),
      );
      samples.set(b, { critic: [], generator: [] });
    }
    for (let round = 0; round <= rounds; round++) {
      if (abort.signal.aborted) throw new Error('interrupted during the time phase; nothing written');
      loads.push(os.loadavg()[0]);
      for (const [b, pool] of pools) {
        const labels = Int32Array.from({ length: b }, (_, i) => i % arch.numClasses);
        const real = new Float32Array(b * arch.imageSize * arch.imageSize).map(() => rng.uniform() * 2 - 1);
        const z = () => rng.fillNormal(new Float32Array(b * arch.zDim));
        const alpha = Float32Array.from({ length: b }, () => rng.uniform());
        let t = performance.now();
        await pool.criticStep({ real, labels, z: z(), alpha });
        const critic = (performance.now() - t) / 1000;
        t = performance.now();
        await pool.generatorStep(labels, z());
        const generator = (performance.now() - t) / 1000;
        // Round 0 warms up (kernel set-up, allocations) and is not counted.
        if (round > 0) {
          samples.get(b)!.critic.push(critic);
          samples.get(b)!.generator.push(generator);
        }
      }
    }
  } finally {
    await Promise.all([...pools.values()].map((p) => p.close()));
  }
  const perBatch = Object.fromEntries(
    [...samples].map(([b, s]) => [b, { critic: median(s.critic), generator: median(s.generator) }]),
  );
  const base = costKey(pilotHyper(PILOT_RECIPES[0], 1));
  const measured: Record<string, number> = {};
  for (const r of [PILOT_RECIPES[0], ...selected(o)]) {
    const h = pilotHyper(r, 1);
    const c = perBatch[h.batchSize];
    if (c) measured[costKey(h)] = c.critic + c.generator / h.nCritic;
  }
  const times: StepTimes & Record<string, unknown> = {
    measured,
    baseline: base,
    perBatch,
    rounds,
    workers: Number(o.workers),
    cores: os.availableParallelism(),
    loadAverages: loads,
    note:
      'medians of interleaved rounds on a machine shared with other work (1-minute load averages per round); ' +
      'use the ratios',
    at: new Date().toISOString(),
  };
  await writeJson(path.join(o.root, 'step-times.json'), times);
  for (const [b, c] of Object.entries(perBatch)) {
    const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;
    say(`time: batch ${b}: critic step ${ms(c.critic)}, generator step ${ms(c.generator)} (median of ${rounds})`);
  }
  for (const [k, v] of Object.entries(measured))
    say(`time: ${k}: ${(v * 1000).toFixed(0)} ms per critic step, ${(v / measured[base]).toFixed(2)}x the baseline`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function selected(o: Opts) {
  return o.recipes === 'all' ? PILOT_RECIPES : o.recipes.split(',').map((n) => findRecipe(n.trim()));
}

function planOpts(o: Opts) {
  return { baseSteps: Number(o.baseSteps), points: Number(o.points), baseStepSeconds: Number(o.baseStepSeconds) };
}

interface Scorer {
  score(dir: string, snapshot: string): Promise<void>;
}

/** Loads the classifier and the real-data reference once, for every snapshot of every pilot. */
async function makeScorer(o: Opts): Promise<Scorer> {
  let ready: Promise<{ classifier: Awaited<ReturnType<typeof loadClassifier>>; reference: Reference }> | undefined;
  const samples = Number(o.samples);
  const kinds = o.weights.split(',') as WeightChoice[];
  return {
    async score(dir, snapshot) {
      const file = path.join(dir, 'quality.jsonl');
      const done = await readQuality(file);
      const ck = await readCheckpoint(snapshot);
      const todo = kinds.filter(
        (w) =>
          (w !== 'ema' || hasWeightAverage(ck.tensors, generatorTensorNames(ck.config.arch))) &&
          !done.some((p) => p.step === ck.state.step && (p.weights ?? 'raw') === w && p.samples === samples),
      );
      // The classifier and reference load only once something needs scoring: a rerun over finished
      // pilots rechecks their last checkpoints without that cost.
      if (todo.length > 0) {
        ready ??= (async () => {
          await selectBackend('auto');
          const classifier = await loadClassifier();
          return { classifier, reference: await computeReference(classifier, samples) };
        })();
      }
      for (const weights of todo) {
        const { classifier, reference } = await ready!;
        const p = await measure(snapshot, ck, weights, samples, reference, classifier);
        await fs.appendFile(file, JSON.stringify(p) + '\n');
        say(
          `${path.basename(dir)} step ${p.step} ${weights}: accuracy ${p.accuracy.toFixed(3)}, ` +
            `worst ${Math.min(...p.perClass).toFixed(3)}, Frechet ${p.fd.toFixed(1)} ` +
            `(2x reference ${(2 * p.referenceFd).toFixed(1)})`,
        );
      }
      await fs.rm(snapshot, { force: true });
    },
  };
}

async function scoreLeftovers(dir: string, scorer: Scorer): Promise<void> {
  const snaps = path.join(dir, 'snapshots');
  if (!existsSync(snaps)) return;
  const files = (await fs.readdir(snaps)).filter((f) => /^step-\d+\.safetensors$/.test(f));
  files.sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]));
  for (const f of files) await scorer.score(dir, path.join(snaps, f));
}

async function snapshot(dir: string, step: number): Promise<string> {
  const snaps = path.join(dir, 'snapshots');
  await fs.mkdir(snaps, { recursive: true });
  const file = path.join(snaps, `step-${step}.safetensors`);
  await fs.copyFile(checkpointPath(dir), `${file}.tmp`);
  await fs.rename(`${file}.tmp`, file);
  return file;
}

/** Where a pilot keeps the checkpoint a branch starts from (snapshots are removed once scored). */
const branchPoint = (dir: string, step: number) => path.join(dir, 'branch-points', `step-${step}.safetensors`);

/** Keeps this pilot's checkpoint at `step` when a branch recipe starts there. */
async function keepBranchPoint(dir: string, plan: PilotPlan, step: number): Promise<void> {
  const wanted = PILOT_RECIPES.some((r) => r.from?.recipe === plan.recipe && r.from.point * plan.every === step);
  const file = branchPoint(dir, step);
  if (!wanted || existsSync(file)) return;
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.copyFile(checkpointPath(dir), `${file}.tmp`);
  await fs.rename(`${file}.tmp`, file);
}

/** Trains one pilot to its planned length in segments, scoring each segment's checkpoint. */
async function runPilot(o: Opts, plan: PilotPlan, scorer: Scorer): Promise<void> {
  const dir = path.join(o.root, plan.recipe);
  await fs.mkdir(dir, { recursive: true });
  const planFile = path.join(dir, 'plan.json');
  const old = await readJson<PilotPlan>(planFile);
  // A pilot keeps the plan it started with, so a rerun after new timings does not change its length.
  const p = old ?? plan;
  if (!old) await writeJson(planFile, p);
  await scoreLeftovers(dir, scorer);
  // A branch starts from its parent's kept checkpoint; its segments count from there.
  const start = p.from?.step ?? 0;
  const startFile = p.from && branchPoint(path.join(o.root, p.from.recipe), start);
  for (;;) {
    const has = existsSync(checkpointPath(dir));
    const step = has ? (await readCheckpoint(dir)).state.step : start;
    if (has) await keepBranchPoint(dir, p, step);
    // A kill between a segment's last save and its snapshot leaves a scored point's checkpoint
    // unscored: score it now (the scorer skips points it already has).
    if (step > start && ((step - start) % p.every === 0 || step >= p.totalSteps))
      await scorer.score(dir, await snapshot(dir, step));
    if (step >= p.totalSteps) break;
    const next = Math.min(p.totalSteps, start + (Math.floor((step - start) / p.every) + 1) * p.every);
    const quiet = `${(p.stepSeconds * 1000).toFixed(0)} ms per step quiet`;
    say(`${p.recipe}: training ${step} -> ${next} of ${p.totalSteps} (${quiet})`);
    if (!has && startFile && !existsSync(startFile))
      throw new Error(
        `${p.recipe} starts from ${startFile}, which is missing: run ${p.from!.recipe} first (it keeps it)`,
      );
    const resume = has ? dir : startFile;
    const r = await train({
      out: dir,
      resume,
      // The pilot's levers, which a branch changes from its parent's on its first resume.
      hyperOverrides: resume ? p.hyper : undefined,
      backend: 'auto',
      workers: Number(o.workers),
      limit: o.limit === undefined ? undefined : Number(o.limit),
      hyper: p.hyper,
      seed: Number(o.seed),
      steps: next,
      saveEvery: p.every,
      signal: abort.signal,
      log: (m) => (m.startsWith('recipe:') || m.startsWith('resume') ? say(`${p.recipe}: ${m}`) : undefined),
    });
    if (r.stoppedBy === 'interrupted') return;
  }
  await scoreLeftovers(dir, scorer);
}

async function runPhase(o: Opts): Promise<void> {
  const times = await readJson<StepTimes>(path.join(o.root, 'step-times.json'));
  if (!times)
    throw new Error(
      `no ${path.join(o.root, 'step-times.json')}: run the time phase first (recipe-pilots.ts time --root ${o.root})`,
    );
  const scorer = await makeScorer(o);
  for (const r of selected(o)) {
    if (abort.signal.aborted) return;
    const parent = r.from && (await readJson<PilotPlan>(path.join(o.root, r.from.recipe, 'plan.json')));
    await runPilot(o, planPilot(r, times, planOpts(o), parent), scorer);
    await plotPhase(o);
  }
}

async function scorePhase(o: Opts): Promise<void> {
  const scorer = await makeScorer(o);
  for (const r of selected(o)) await scoreLeftovers(path.join(o.root, r.name), scorer);
}

/** The training log of a pilot in a few numbers: how far it got, and its losses over the last tenth of it. */
async function metricsSummary(dir: string): Promise<Record<string, unknown>> {
  const m = await readMetrics(path.join(dir, 'metrics.jsonl'));
  const tail = m.slice(Math.floor(m.length * 0.9));
  const mean = (f: (r: (typeof m)[number]) => number | undefined) => {
    const xs = tail.map(f).filter((x): x is number => x !== undefined);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  return {
    steps: m.at(-1)?.step ?? 0,
    generatorSteps: m.filter((r) => r.generator_score !== undefined).length,
    // Wall time on the shared machine: not comparable between pilots; the figure uses planned step times.
    sharedMachineSeconds: m.at(-1)?.seconds ?? 0,
    lastTenth: {
      steps: tail.length,
      wasserstein: mean((r) => r.wasserstein),
      penalty: mean((r) => r.penalty),
      generatorScore: mean((r) => r.generator_score),
    },
  };
}

async function plotPhase(o: Opts): Promise<void> {
  const curves: PilotCurve[] = [];
  const summary: Record<string, unknown>[] = [];
  for (const r of selected(o)) {
    const dir = path.join(o.root, r.name);
    const plan = await readJson<PilotPlan>(path.join(dir, 'plan.json'));
    const points = await readQuality(path.join(dir, 'quality.jsonl'));
    if (!plan || points.length === 0) continue;
    curves.push({ recipe: r.name, stepSeconds: plan.stepSeconds, from: plan.from, points });
    summary.push({ recipe: r.name, what: r.what, plan, points: points.length, last: points.at(-1) });
    if (o.results) {
      const to = path.join(o.results, r.name);
      await fs.mkdir(to, { recursive: true });
      await fs.copyFile(path.join(dir, 'quality.jsonl'), path.join(to, 'quality.jsonl'));
      await fs.copyFile(path.join(dir, 'plan.json'), path.join(to, 'plan.json'));
      await writeJson(path.join(to, 'metrics-summary.json'), await metricsSummary(dir));
    }
  }
  if (o.baselineCurve) {
    // A run scored by eval/quality-curve.ts (e.g. the run that trained the earlier default model,
    // docs/time-to-quality.jsonl), at --base-step-seconds: the baseline's quiet step time, or, for a
    // committed pilot of another plan drawn on this root's clock, that recipe's.
    const points = await readQuality(o.baselineCurve);
    if (points.length === 0) throw new Error(`--baseline-curve ${o.baselineCurve}: no quality points in it`);
    curves.push({ recipe: o.baselineName, stepSeconds: Number(o.baseStepSeconds), points });
  }
  if (curves.length === 0) return say('plot: no scored pilots yet');
  const outDir = o.results ?? o.root;
  await fs.mkdir(outDir, { recursive: true });
  for (const w of ['ema', 'raw'] as const) {
    const name = w === 'ema' ? 'pilots' : 'pilots-raw';
    await writeChart(pilotSpec(curves, w, `Recipe pilots, seed ${o.seed}`), outDir, name);
  }
  if (o.results && existsSync(path.join(o.root, 'step-times.json'))) {
    await fs.copyFile(path.join(o.root, 'step-times.json'), path.join(o.results, 'step-times.json'));
  }
  say(
    `plot: ${curves.map((c) => `${c.recipe} (${c.points.length})`).join(', ')} -> ${path.join(outDir, 'pilots.svg')}`,
  );
}

async function main(): Promise<void> {
  const program = new Command('recipe-pilots')
    .argument('<phase>', 'time | run | score | plot')
    .option('--root <dir>', 'where pilots live (outside git)', '/work/pilots')
    .option('--recipes <names>', `comma-separated, or all (${PILOT_RECIPES.map((r) => r.name).join(', ')})`, 'all')
    .option('--seed <n>', 'training seed, the same for every pilot', '0')
    .option('--workers <n>', 'data-parallel workers', '2')
    .option('--base-steps <n>', "the baseline's critic steps; every other recipe gets the same minutes", '1500')
    .option('--points <n>', 'scored checkpoints per pilot, evenly spaced in compute', '6')
    .option('--base-step-seconds <s>', "the baseline's quiet-machine step time (docs/training.md: 0.459)", '0.459')
    .option('--samples <n>', 'samples per scored point (multiple of 10)', '2000')
    .option('--weights <kinds>', 'which generator weights to score', 'ema,raw')
    .option('--time-steps <n>', 'time phase: timed rounds (one critic and one generator step per batch size each)', '8')
    .option('--limit <n>', 'train on the first N examples only (a smoke test of the harness)')
    .option('--results <dir>', 'plot: also copy quality.jsonl, plan.json, step-times.json and the figures here')
    .option('--baseline-curve <file>', 'plot: also draw this quality.jsonl, at --base-step-seconds per step')
    .option('--baseline-name <name>', "plot: the --baseline-curve line's name", BASELINE_CURVE_NAME)
    .parse();
  const [phase] = program.args;
  const o = program.opts<Opts>();
  await fs.mkdir(o.root, { recursive: true });
  if (phase === 'time') await timePhase(o);
  else if (phase === 'run') await runPhase(o);
  else if (phase === 'score') await scorePhase(o);
  else if (phase === 'plot') await plotPhase(o);
  else throw new Error(`unknown phase ${JSON.stringify(phase)}: time, run, score or plot`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
