/**
 * Broken image folders (issue 32, item 8): each is a clear error naming the problem and the fix, or
 * a named skip; and no cache is written for a folder that failed.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { BadFileError, BadRequestError } from '../../runtime/errors.ts';
import { loadDataset } from '../data.ts';
import { cleanupTmpDirs, drawShape, shapesFolder, tmpDir, writeImage } from '../../test/dataset-fixtures.ts';

after(cleanupTmpDirs);

const cacheDir = tmpDir('bad-cache');
const load = (dir: string, o: Parameters<typeof loadDataset>[0] = {}, logs: string[] = []) =>
  loadDataset({ dir, cacheDir, log: (m) => logs.push(m), ...o });
const red = (file: string, w = 16) => writeImage(file, drawShape('square', [255, 0, 0], w), w, w, 'png');

/** Rejects with `kind` and a message matching every pattern. */
async function refused(p: Promise<unknown>, kind: new (m: string) => Error, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(p, (e: Error) => {
    assert.ok(e instanceof kind, `${e.name}: ${e.message}`);
    for (const re of patterns) assert.match(e.message, re);
    return true;
  });
}

test('a flat folder, one class, an empty class, a single-image class, classes differing in case', async () => {
  const flat = tmpDir('flat');
  for (let i = 0; i < 3; i++) await red(path.join(flat, `${i}.png`));
  await refused(load(flat), BadFileError, /holds 3 images but no class subfolders/, /<class>\/<image>/);

  const one = tmpDir('one');
  for (let i = 0; i < 3; i++) await red(path.join(one, 'cats', `${i}.png`));
  await refused(load(one), BadFileError, /one class subfolder \(cats\)/, /at least 2 classes/);

  const empty = await shapesFolder(tmpDir('empty'), { perClass: 2, w: 16 });
  mkdirSync(path.join(empty, 'zebra'));
  writeFileSync(path.join(empty, 'zebra', 'notes.txt'), 'x');
  await refused(load(empty), BadFileError, /class folder .*zebra holds no images \(it has 1 other file\)/);

  const single = await shapesFolder(tmpDir('single'), { perClass: 2, w: 16 });
  await red(path.join(single, 'lonely', '0.png'));
  await refused(load(single), BadFileError, /"lonely" has 1 image; every class needs at least 2/);

  const cased = await shapesFolder(tmpDir('case'), { perClass: 2, w: 16 });
  for (let i = 0; i < 2; i++) await red(path.join(cased, 'Red', `${i}.png`));
  await refused(load(cased), BadFileError, /classes "Red" and "red", which differ only in case/, /rename or merge/);

  const nothing = tmpDir('nothing');
  writeFileSync(path.join(nothing, 'a.txt'), 'x');
  await refused(load(nothing), BadFileError, /holds no images .* and no IDX pair/);
  assert.deepEqual(readdirSync(cacheDir), [], 'no cache for a refused folder');
});

test('all corrupt is an error; one corrupt or truncated image is skipped and named, or --strict refuses', async () => {
  const junk = tmpDir('junk');
  for (const c of ['a', 'b']) {
    mkdirSync(path.join(junk, c));
    for (let i = 0; i < 2; i++) writeFileSync(path.join(junk, c, `${i}.png`), 'not a png');
  }
  await refused(load(junk), BadFileError, /none of the 4 images in .* could be decoded: a\/0\.png \(not an image/);

  const some = await shapesFolder(tmpDir('some'), { perClass: 3, w: 16 });
  const good = readFileSync(path.join(some, 'red', '0.png'));
  writeFileSync(path.join(some, 'red', 'truncated.png'), good.subarray(0, good.length - 40));
  writeFileSync(path.join(some, 'green', 'text.jpg'), 'hello');
  const logs: string[] = [];
  const ds = await load(some, {}, logs);
  assert.equal(ds.count, 9, 'the two bad files are left out');
  assert.match(
    logs.join('\n'),
    /skipped 2 files that could not be used: green\/text\.jpg \(not an image.*\); red\/truncated\.png \(.*--strict/,
  );
  await refused(load(some, { strict: true }), BadFileError, /2 files in .* cannot be used \(--strict\)/, /truncated/);
});

test('a header claiming enormous dimensions is refused before decoding; the other images load', async () => {
  const root = await shapesFolder(tmpDir('huge'), { perClass: 2, w: 16 });
  const png = Buffer.from(readFileSync(path.join(root, 'red', '0.png')));
  png.writeUInt32BE(10_000, 16); // IHDR width: 10^8 pixels, over our limit and under sharp's own default
  png.writeUInt32BE(10_000, 20); // IHDR height (its CRC is now wrong too: the limit must trip first)
  writeFileSync(path.join(root, 'red', 'bomb.png'), png);
  const logs: string[] = [];
  const t0 = performance.now();
  const ds = await load(root, {}, logs);
  assert.ok(performance.now() - t0 < 5000, 'no 100-megapixel decode');
  assert.equal(ds.count, 6);
  assert.match(
    logs.join('\n'),
    /red\/bomb\.png \(its header claims more than 67,108,864 pixels .*refused before decoding\)/,
  );
});

test('a symbolic-link loop is not followed forever; a broken link is named', async () => {
  const root = await shapesFolder(tmpDir('loop'), { perClass: 2, w: 16 });
  symlinkSync(root, path.join(root, 'red', 'again')); // red/again -> root -> red/again -> ...
  symlinkSync(path.join(root, 'nowhere.png'), path.join(root, 'blue', 'dangling.png'));
  const logs: string[] = [];
  const ds = await load(root, {}, logs);
  assert.equal(ds.count, 6);
  const said = logs.join('\n');
  assert.match(said, /red\/again leads back to a folder already read \(a symbolic-link loop\?\): not followed/);
  assert.match(said, /blue\/dangling\.png \(a broken symbolic link\)/);
});

test('an unreadable image is skipped and named (unless running as root, where chmod 000 does not deny)', async (t) => {
  const root = await shapesFolder(tmpDir('unreadable'), { perClass: 3, w: 16 });
  const file = path.join(root, 'green', '1.png');
  chmodSync(file, 0o000);
  if (process.getuid?.() === 0) {
    t.diagnostic('running as root: chmod 000 does not deny reading; only the load is checked');
    assert.equal((await load(root)).count, 9);
    return;
  }
  const logs: string[] = [];
  const ds = await load(root, {}, logs);
  assert.equal(ds.count, 8);
  assert.match(logs.join('\n'), /green\/1\.png \(cannot read it: permission denied/);
});

test('--image-size not a multiple of 4 or over the limit, and --channels 2, are refused before any work', async () => {
  const root = await shapesFolder(tmpDir('opts'), { perClass: 2, w: 16 });
  await refused(load(root, { imageSize: 30 }), BadRequestError, /--image-size 30: .*multiples of 4 from 16 to 64/);
  await refused(load(root, { imageSize: 68 }), BadRequestError, /--image-size 68/);
  await refused(load(root, { imageSize: 12 }), BadRequestError, /--image-size 12/);
  await refused(load(root, { channels: 2 }), BadRequestError, /--channels 2: pass 1 \(grayscale\) or 3 \(RGB\)/);
  await refused(load(root, { split: 'test' }), BadRequestError, /no separate test split/);
  await refused(load(path.join(root, 'red', '0.png')), BadFileError, /is a file; pass the directory .* or a \.zip/);
});
