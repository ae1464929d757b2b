/**
 * The time-to-quality figure (docs/time-to-quality.svg/png): whole training runs' quality curves
 * (eval/quality-curve.ts's quality.jsonl) on one clock, the quiet machine's step time of each run's
 * recipe, so runs that shared the machine with other jobs (their own `seconds` are then long) still
 * compare by compute. The same rows and panels as the pilots' figure (bench/pilot-chart.ts).
 *
 *   node --import tsx bench/time-to-quality.ts --out docs \
 *     --curve 'fast + finish=bench/results/ship-match10/quality.jsonl@0.1497' \
 *     --curve 'wgan-gp=docs/time-to-quality.jsonl@0.421'
 *
 * Step times: bench/results/recipe-quiet-hour/step-times.json (2 workers, quiet: batch 16 0.150 s,
 * batch 64 0.421 s a critic step with 5 critic steps per generator step).
 */
import { Command } from 'commander';
import { promises as fs } from 'node:fs';
import { readQuality } from '../eval/quality-curve.ts';
import type { WeightChoice } from '../export/export.ts';
import { writeChart } from '../train/chart.ts';
import { type PilotCurve, pilotSpec } from './pilot-chart.ts';

/** `NAME=FILE@SECONDS`: a line's name, its quality.jsonl and its recipe's quiet seconds per critic step. */
export function parseCurveArg(arg: string): { name: string; file: string; stepSeconds: number } {
  const m = /^([^=]+)=(.+)@([0-9]*\.?[0-9]+)$/.exec(arg);
  if (!m || !(Number(m[3]) > 0)) {
    throw new Error(
      `--curve ${JSON.stringify(arg)}: expected NAME=FILE@SECONDS, e.g. fast=runs/ship/quality.jsonl@0.1497 ` +
        "(SECONDS: the recipe's quiet-machine seconds per critic step, more than 0)",
    );
  }
  return { name: m[1], file: m[2], stepSeconds: Number(m[3]) };
}

/** Draws OUT/NAME.svg and .png from the curves; returns the files written. */
export async function drawTimeToQuality(
  specs: string[],
  o: { weights: WeightChoice; out: string; name: string; title: string },
): Promise<string[]> {
  if (specs.length === 0) throw new Error('no --curve given: name at least one NAME=FILE@SECONDS');
  const curves: PilotCurve[] = [];
  for (const c of specs.map(parseCurveArg)) {
    const points = await readQuality(c.file);
    if (points.length === 0) throw new Error(`--curve ${c.name}: no quality points in ${c.file}`);
    curves.push({ recipe: c.name, stepSeconds: c.stepSeconds, points });
  }
  await fs.mkdir(o.out, { recursive: true });
  return writeChart(pilotSpec(curves, o.weights, o.title), o.out, o.name);
}

async function main(): Promise<void> {
  const o = new Command('time-to-quality')
    .option('--curve <spec>', 'NAME=FILE@SECONDS, once per line', (v, all: string[]) => [...all, v], [])
    .option('--weights <kind>', 'ema (the weight average, what export ships) or raw', 'ema')
    .option('--out <dir>', 'where time-to-quality.svg/png go', 'docs')
    .option('--name <base>', 'file name without extension', 'time-to-quality')
    .option('--title <text>', "the figure's title", 'Time to quality')
    .parse()
    .opts<{ curve: string[]; weights: string; out: string; name: string; title: string }>();
  if (o.weights !== 'ema' && o.weights !== 'raw') throw new Error(`--weights ${o.weights}: expected ema or raw`);
  const files = await drawTimeToQuality(o.curve, { ...o, weights: o.weights });
  console.log(`wrote ${files.join(', ')}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // Bad arguments or a missing curve: the message alone, exit 2 (as the CLI does for usage errors).
  await main().catch((e: Error) => {
    console.error(`time-to-quality: ${e.message}`);
    process.exitCode = 2;
  });
}
