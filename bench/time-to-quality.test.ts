import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { QualityPoint } from '../eval/quality-curve.ts';
import { drawTimeToQuality, parseCurveArg } from './time-to-quality.ts';

test('a --curve names its line, its quality.jsonl and its quiet step time; anything else says the form', () => {
  assert.deepEqual(parseCurveArg('fast (ship)=runs/a=b/quality.jsonl@0.1497'), {
    name: 'fast (ship)',
    file: 'runs/a=b/quality.jsonl',
    stepSeconds: 0.1497,
  });
  for (const bad of ['fast=q.jsonl', 'fast=q.jsonl@0', '=q.jsonl@0.1', 'fast@0.1']) {
    assert.throws(() => parseCurveArg(bad), /expected NAME=FILE@SECONDS/, bad);
  }
});

test('the figure draws each run on its own quiet clock, and a curve without points is an error', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cgan-ttq-'));
  const point = (step: number, accuracy: number): QualityPoint => ({
    step,
    epoch: 0,
    seconds: step * 9, // the run's own clock, shared with other jobs: not what the figure uses
    samples: 2000,
    accuracy,
    perClass: Array(10).fill(accuracy),
    fd: 10,
    referenceFd: 5,
    weights: 'ema',
  });
  const file = path.join(dir, 'quality.jsonl');
  writeFileSync(file, [point(6000, 0.9), point(12000, 0.97)].map((p) => `${JSON.stringify(p)}\n`).join(''));
  const empty = path.join(dir, 'empty.jsonl');
  writeFileSync(empty, '');
  const out = path.join(dir, 'figure');
  const opts = { weights: 'ema' as const, out, name: 'ttq', title: 'Time to quality' };
  const files = await drawTimeToQuality([`one recipe=${file}@0.15`], opts);
  assert.deepEqual(files, [path.join(out, 'ttq.svg'), path.join(out, 'ttq.png')]);
  const svg = readFileSync(files[0], 'utf8');
  assert.ok(svg.includes('one recipe'), 'the line is named');
  // 6,000 and 12,000 steps at 0.15 s are 15 and 30 minutes: the minutes axis spans those, not the run's
  // own clock's 900-1,800 (the Frechet panel's only tick here is 10, the flat line's).
  for (const tick of ['14', '30']) assert.ok(svg.includes(`>${tick}<`), `a ${tick}-minute tick`);
  for (const tick of ['900', '1,800']) assert.ok(!svg.includes(`>${tick}<`), `no ${tick}-minute tick`);
  await assert.rejects(drawTimeToQuality([`none=${empty}@0.15`], opts), /--curve none: no quality points in/);
  await assert.rejects(drawTimeToQuality([], opts), /no --curve given/);
});
