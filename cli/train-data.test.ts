/**
 * `cgan train --data` on image folders through the real CLI: a 28x28 gray class folder trains and
 * resumes (from the cache, without --data), and bad data ends with its exit code, a sentence, and
 * no run directory left behind.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { readCheckpoint } from '../train/checkpoint.ts';
import { cleanupTmpDirs, drawShape, shapesFolder, tmpDir, writeImage } from '../test/dataset-fixtures.ts';
import { runCgan } from '../test/run-cgan.ts';

after(cleanupTmpDirs);

// The children inherit it: their caches stay in this test's temporary folder.
process.env.CGAN_CACHE_DIR = tmpDir('cli-cache');
const quick = ['train', '--backend', 'wasm', '--workers', '1', '--batch-size', '6'];

test('a 28x28 gray class folder trains, records its data in the checkpoint, and resumes from the cache', async () => {
  const data = await shapesFolder(tmpDir('cli-gray'), { perClass: 4, w: 28, format: 'gray' });
  const out = path.join(tmpDir('cli-run'), 'run');
  const r = await runCgan([...quick, '--data', data, '--steps', '2', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /data: .* \(folder\): 3 classes \(blue, green, red\), 12 images/);
  const d = (await readCheckpoint(out)).config.dataset;
  assert.deepEqual(
    [d.kind, d.source, d.size, d.channels, d.count, d.numClasses, d.classNames],
    ['folder', data, 28, 1, 12, 3, ['blue', 'green', 'red']],
  );
  assert.equal(d.fingerprint?.length, 64);
  const again = await runCgan([...quick, '--resume', out, '--steps', '3']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /read the decoded cache/);
  assert.match(again.stdout, /done at step 3/);
  const other = await shapesFolder(tmpDir('cli-other'), { perClass: 4, w: 32, format: 'gray' });
  const wrong = await runCgan([...quick, '--resume', out, '--data', other, '--steps', '4']);
  assert.equal(wrong.code, 2, wrong.stderr);
  // Decoded at the checkpoint's 28x28 (a resume keeps its size), the other folder is still other data.
  assert.match(wrong.stderr, /trained on .*cli-gray-.* but --data .*cli-other-.* holds other data \(fingerprint /);
});

test('bad data: exit codes, a sentence, and no run directory left behind', async () => {
  const flat = tmpDir('cli-flat');
  for (let i = 0; i < 2; i++)
    await writeImage(path.join(flat, `${i}.png`), drawShape('square', [9, 9, 9], 16), 16, 16, 'png');
  const corrupt = await shapesFolder(tmpDir('cli-corrupt'), { perClass: 2, w: 16 });
  writeFileSync(path.join(corrupt, 'red', 'bad.png'), 'x');
  const runs = tmpDir('cli-bad');
  const cases = [
    { args: ['--data', flat], code: 3, message: /holds 2 images but no class subfolders/ },
    {
      args: ['--data', corrupt, '--strict'],
      code: 3,
      message: /1 file in .* cannot be used \(--strict\): red\/bad\.png/,
    },
    {
      args: ['--data', corrupt, '--image-size', '30'],
      code: 2,
      message: /--image-size 30: training takes square sides/,
    },
    { args: ['--data', corrupt, '--channels', '2'], code: 2, message: /--channels must be 1 or 3/ },
    { args: ['--data', path.join(runs, 'nowhere')], code: 3, message: /does not exist/ },
  ];
  const results = await Promise.all(
    cases.map((c, i) => runCgan([...quick, ...c.args, '--steps', '1', '--out', path.join(runs, `run${i}`)])),
  );
  results.forEach((r, i) => {
    const c = cases[i];
    assert.equal(r.code, c.code, `${c.args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, c.message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.ok(!existsSync(path.join(runs, `run${i}`)), `${c.args.join(' ')} left a run directory`);
  });
});
