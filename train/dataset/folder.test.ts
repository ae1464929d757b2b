/**
 * Image folders through loadDataset: classes from subfolders in code-point order, every format and
 * pixel kind the issue names, the size and channel rule, overrides, and the class-interleaved order.
 * Fixtures are drawn here (test/dataset-fixtures.ts), so pixel values are known.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { PNG } from 'pngjs';
import { loadDataset, type Dataset } from '../data.ts';
import {
  cleanupTmpDirs,
  drawShape,
  shapesFolder,
  SHAPE_CLASSES,
  tmpDir,
  writeImage,
  type Format,
} from '../../test/dataset-fixtures.ts';

after(cleanupTmpDirs);

const cacheDir = tmpDir('folder-cache');
const load = (dir: string, o: Parameters<typeof loadDataset>[0] = {}, logs: string[] = []) =>
  loadDataset({ dir, cacheDir, log: (m) => logs.push(m), ...o });

/** Pixel (x, y) of image i, all channels. */
function px(ds: Dataset, i: number, x: number, y: number): number[] {
  const at = ((i * ds.size + y) * ds.size + x) * ds.channels;
  return Array.from(ds.pixels.subarray(at, at + ds.channels));
}

function near(got: number[], want: number[], tol: number, what: string): void {
  assert.equal(got.length, want.length, what);
  for (const [k, g] of got.entries())
    assert.ok(Math.abs(g - want[k]) <= tol, `${what}: got [${got}], want [${want}] +-${tol}`);
}

test('a folder of class subfolders: classes in code-point order, RGB at the images size, exact pixels', async () => {
  const root = await shapesFolder(tmpDir('shapes'), { perClass: 4, w: 20 });
  const logs: string[] = [];
  const ds = await load(root, {}, logs);
  assert.deepEqual(ds.classNames, ['blue', 'green', 'red']);
  assert.equal(ds.kind, 'folder');
  assert.equal(ds.name, path.basename(root));
  assert.equal(ds.source, root);
  assert.equal(ds.count, 12);
  assert.equal(ds.size, 20);
  assert.equal(ds.channels, 3);
  assert.equal(ds.pixels.length, 12 * 20 * 20 * 3);
  // Class-interleaved: blue, green, red, blue, ...
  assert.deepEqual(Array.from(ds.labels), [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
  for (let i = 0; i < 3; i++) {
    const c = SHAPE_CLASSES.find((s) => s.name === ds.classNames[ds.labels[i]])!;
    near(px(ds, i, 10, 10), c.colour, 0, `centre of a ${c.name} image`);
    near(px(ds, i, 0, 0), [0, 0, 0], 0, `corner of a ${c.name} image`);
  }
  assert.ok(
    logs.some((l) => /every image is 20x20: size 20/.test(l)),
    logs.join('\n'),
  );
  assert.ok(
    logs.some((l) => /memory: 12 x 20 x 20 x 3 = /.test(l)),
    logs.join('\n'),
  );
  assert.equal(ds.fingerprint.length, 64);
});

test('PNG, JPEG, WebP, palette, 16-bit, RGBA, upper-case extensions, nested folders; text ignored', async () => {
  const root = tmpDir('formats');
  const red = drawShape('square', [255, 0, 0], 24);
  const formats: [string, Format][] = [
    ['a/one.png', 'png'],
    ['a/deep/er/two.JPG', 'jpeg'],
    ['b/three.webp', 'webp'],
    ['b/four.PNG', 'palette'],
    ['c/five.png', 'png16'],
    ['c/nested/six.png', 'png'],
  ];
  for (const [rel, f] of formats) await writeImage(path.join(root, rel), red, 24, 24, f);
  // RGBA: a half-transparent red square on a fully transparent background.
  const rgba = drawShape('square', [255, 0, 0], 24, 24, true);
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = rgba[i] ? 128 : 0;
  await writeImage(path.join(root, 'c', 'seven.png'), rgba, 24, 24, 'rgba');
  writeFileSync(path.join(root, 'a', 'README.txt'), 'not an image');
  writeFileSync(path.join(root, 'b', '.DS_Store'), 'hidden');
  const logs: string[] = [];
  const ds = await load(root, {}, logs);
  assert.equal(ds.count, 7);
  assert.deepEqual(ds.classNames, ['a', 'b', 'c']);
  assert.equal(ds.channels, 3);
  assert.equal(ds.size, 24);
  const said = logs.join('\n');
  assert.match(said, /ignored 1 file in .* that is not an image: \.txt 1/);
  assert.match(said, /ignored 1 hidden entry/);
  assert.match(said, /1 image with an alpha channel: any transparency composited onto black/);
  for (let i = 0; i < ds.count; i++) {
    const alpha = ds.labels[i] === 2 && i === ds.count - 1;
    // JPEG is lossy; the rest are exact. The RGBA square is 50% red over black.
    near(px(ds, i, 12, 12), alpha ? [128, 0, 0] : [255, 0, 0], 12, `centre of image ${i}`);
    near(px(ds, i, 0, 0), [0, 0, 0], 12, `corner of image ${i}`);
  }
});

test('a folder where every image is gray decodes to 1 channel; --channels 3 replicates it', async () => {
  const root = await shapesFolder(tmpDir('gray'), { perClass: 2, w: 16, format: 'gray' });
  const ds = await load(root);
  assert.equal(ds.channels, 1);
  assert.equal(ds.size, 16);
  // The decoded gray levels are the files' own (read back here by another PNG decoder, as RGBA).
  for (const [c, name] of ds.classNames.entries()) {
    const file = PNG.sync.read(readFileSync(path.join(root, name, '0.png'))).data;
    assert.equal(px(ds, ds.labels.indexOf(c), 8, 8)[0], file[(8 * 16 + 8) * 4], `${name} as gray`);
    assert.ok(file[(8 * 16 + 8) * 4] > 50, `the ${name} shape is not black in the fixture`);
  }
  const rgb = await load(root, { channels: 3 });
  assert.equal(rgb.channels, 3);
  const [r, g, b] = px(rgb, 0, 8, 8);
  assert.ok(r === g && g === b, `gray replicated: ${[r, g, b]}`);
  assert.notEqual(rgb.fingerprint, ds.fingerprint);
});

test('mixed sizes: the most common shorter side to a multiple of 4; shorter side, then centre crop', async () => {
  const root = tmpDir('mixed');
  // Three 30x30 (-> 32), one 40x20 landscape whose centre crop keeps the red square's middle.
  for (const c of ['x', 'y']) {
    await writeImage(path.join(root, c, '0.png'), drawShape('square', [255, 0, 0], 30), 30, 30, 'png');
    await writeImage(path.join(root, c, '1.png'), drawShape('square', [255, 0, 0], 30), 30, 30, 'png');
  }
  await writeImage(path.join(root, 'y', 'wide.png'), drawShape('square', [255, 0, 0], 40, 20), 40, 20, 'png');
  const logs: string[] = [];
  const ds = await load(root, {}, logs);
  assert.equal(ds.size, 32);
  const said = logs.join('\n');
  assert.match(said, /2 sizes, most often 30 \(4 images\): size 32/);
  assert.match(said, /5 images resized to 32x32 \(shorter side to 32, then the centre cropped\)/);
  assert.equal(said.match(/resized/g)?.length, 1, 'said once');
  const wide = ds.count - 1;
  near(px(ds, wide, 16, 16), [255, 0, 0], 8, 'the wide image keeps its centre');
  const forced = await load(root, { imageSize: 16, channels: 1 });
  assert.equal(forced.size, 16);
  assert.equal(forced.channels, 1);
  assert.equal(forced.pixels.length, forced.count * 16 * 16);
});

test('class names sort by code point (as Python sorted()), so upper case comes before lower case', async () => {
  const root = tmpDir('order');
  const names = ['b', 'C', '_x', 'a', 'Z', 'é', '10', '9', '\u{1F600}', '\uFF5A'];
  for (const n of names) await shapesFolder(path.join(root, n), { perClass: 2, w: 16 });
  // shapesFolder made root/<n>/<colour>/..: nested folders inside each class.
  const ds = await load(root);
  // U+FF5A before U+1F600: by code point, where UTF-16 order (JavaScript's sort) puts the emoji first.
  assert.deepEqual(ds.classNames, ['10', '9', 'C', 'Z', '_x', 'a', 'b', 'é', '\uFF5A', '\u{1F600}']);
  assert.equal(ds.count, names.length * 6);
});

test('--limit takes the first N of the class-interleaved order, so every class stays in', async () => {
  const root = await shapesFolder(tmpDir('limit'), { perClass: 5, w: 16 });
  const ds = await load(root, { limit: 7 });
  assert.equal(ds.count, 7);
  assert.deepEqual(Array.from(ds.labels), [0, 1, 2, 0, 1, 2, 0]);
  await assert.rejects(load(root, { limit: 4 }), /"green" has 1 image.*"red" has 1 image.*at least 2/);
});
