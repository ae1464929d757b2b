/**
 * Issue 32 end to end, as a user runs it: a folder of labelled RGB images (class subfolders) goes
 * through `cgan train`, `cgan export`, `cgan info`, `cgan generate` by class name, and the
 * evaluation classifier and `cgan eval` on the same data. A few steps at 20x20, so it checks the
 * plumbing (sizes, channels, names, files, exit codes), not quality.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import { shapesFolder, tmpDir } from './dataset-fixtures.ts';
import { runCgan } from './run-cgan.ts';

let dir: string;
let data: string;
const cache = () => ({ env: { ...process.env, CGAN_CACHE_DIR: path.join(dir, 'cache') } });

before(async () => {
  dir = tmpDir('own');
  data = await shapesFolder(path.join(dir, 'shapes'), { perClass: 12, w: 20 });
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

test('a folder of RGB class subfolders: train, export, info, generate by name, classifier, eval', {
  timeout: 300_000,
}, async () => {
  const run = path.join(dir, 'run');
  const train = await runCgan(
    ['train', '--data', data, '--steps', '3', '--batch-size', '6', '--backend', 'wasm', '--workers', '1', '--out', run],
    cache(),
  );
  assert.equal(train.code, 0, train.stderr);
  const log = train.stdout + train.stderr;
  assert.match(log, /3 classes \(blue, green, red\), 36 images/);
  assert.match(log, /3 channels \(RGB\)/);
  assert.match(log, /model: 20x20x3, 3 classes, 2 stride-2 blocks from 5x5/);

  const model = path.join(dir, 'shapes.onnx');
  const exp = await runCgan(['export', run, '--out', model]);
  assert.equal(exp.code, 0, exp.stderr);
  assert.match(exp.stdout + exp.stderr, /float32 parity, .* OK/);

  const info = await runCgan(['info', model]);
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /classes: +3 \(blue, green, red\)/);
  assert.match(info.stdout, /image: +3 x 20 x 20 \(RGB\)/);

  const grid = path.join(dir, 'grid.png');
  const gen = await runCgan(['generate', model, '--labels', 'red,blue', '--count', '2', '--seed', '1', '--out', grid]);
  assert.equal(gen.code, 0, gen.stderr);
  const png = PNG.sync.read(await fs.readFile(grid));
  assert.deepEqual([png.width, png.height], [2 * 20 + 3 * 2, 2 * 20 + 3 * 2]);
  const unknown = await runCgan(['generate', model, '--labels', 'purple', '--out', path.join(dir, 'x.png')]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /"purple" is not a class of this model; its classes are "blue", "green", "red"/);

  const cls = path.join(dir, 'classifier');
  const ct = await runCgan(
    ['classifier', 'train', '--data', data, '--epochs', '1', '--batch-size', '8', '--out', cls, '--backend', 'wasm'],
    cache(),
  );
  assert.equal(ct.code, 0, ct.stderr);
  const ev = await runCgan(
    [
      'eval',
      model,
      '--classifier',
      path.join(cls, 'classifier.safetensors'),
      '--samples',
      '30',
      '--json',
      path.join(dir, 'eval.json'),
    ],
    cache(),
  );
  assert.equal(ev.code, 0, ev.stderr);
  const report = JSON.parse(await fs.readFile(path.join(dir, 'eval.json'), 'utf8'));
  assert.deepEqual(report.classNames, ['blue', 'green', 'red']);
  const acc = report.generated.conditionalAccuracy;
  assert.ok(acc.overall >= 0 && acc.overall <= 1, `accuracy ${acc.overall}`);
  assert.deepEqual(Object.keys(acc.byName), ['blue', 'green', 'red']);
  assert.equal(report.generated.count, 30);
  assert.ok(Number.isFinite(report.generated.frechetDistance));
  // 36 images hold out 3 (one a class): too few for k = 3 manifolds, which are skipped with a note.
  assert.equal(report.generated.manifold, null);
  assert.match(ev.stdout + ev.stderr, /precision, recall, density and coverage skipped: 3 held-out images/);
});
