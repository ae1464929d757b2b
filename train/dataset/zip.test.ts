/**
 * The same layouts as a .zip (read in place), and a StyleGAN-style dataset.json instead of class
 * subfolders, in a folder and in a zip.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { BadFileError } from '../../runtime/errors.ts';
import { loadDataset } from '../data.ts';
import { cleanupTmpDirs, drawShape, shapesFolder, tmpDir, writeImage, writeZip } from '../../test/dataset-fixtures.ts';

after(cleanupTmpDirs);

const cacheDir = tmpDir('zip-cache');
const load = (dir: string, o: Parameters<typeof loadDataset>[0] = {}, logs: string[] = []) =>
  loadDataset({ dir, cacheDir, log: (m) => logs.push(m), ...o });

/** Every file under `root` as zip entries named `prefix` + its relative path. */
function entriesOf(root: string, prefix = ''): { name: string; data?: Uint8Array }[] {
  const out: { name: string; data?: Uint8Array }[] = [];
  const walk = (rel: string) => {
    for (const n of readdirSync(path.join(root, rel)).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      if (statSync(path.join(root, r)).isDirectory()) {
        out.push({ name: `${prefix}${r}/` });
        walk(r);
      } else out.push({ name: `${prefix}${r}`, data: readFileSync(path.join(root, r)) });
    }
  };
  walk('');
  return out;
}

test('a .zip of a class folder loads as the folder does, also when the zip wraps it in one folder', async () => {
  const root = await shapesFolder(tmpDir('zsrc'), { perClass: 3, w: 20 });
  const folder = await load(root);
  const dir = tmpDir('zips');
  const plain = path.join(dir, 'shapes.zip');
  writeZip(plain, [...entriesOf(root), { name: '__MACOSX/red/._0.png', data: new Uint8Array(4) }]);
  const zipped = await load(plain);
  assert.equal(zipped.kind, 'zip');
  assert.equal(zipped.name, 'shapes');
  assert.equal(zipped.source, plain);
  assert.deepEqual(zipped.classNames, folder.classNames);
  assert.deepEqual(zipped.labels, folder.labels);
  assert.deepEqual(zipped.pixels, folder.pixels);
  const wrapped = path.join(dir, 'wrapped.ZIP');
  writeZip(wrapped, [{ name: 'shapes/' }, ...entriesOf(root, 'shapes/')]);
  const w = await load(wrapped);
  assert.deepEqual(w.classNames, folder.classNames);
  assert.deepEqual(w.pixels, folder.pixels);
  assert.equal((await load(wrapped)).cache?.hit, true);
});

test('a damaged zip is a bad file; a truncated image inside one is a named skip', async () => {
  const dir = tmpDir('zbad');
  const junk = path.join(dir, 'junk.zip');
  writeFileSync(junk, 'PK\x03\x04 not really');
  await assert.rejects(
    load(junk),
    (e: Error) => e instanceof BadFileError && /junk\.zip is not a readable zip/.test(e.message),
  );
  const root = await shapesFolder(tmpDir('zsrc2'), { perClass: 3, w: 16 });
  const entries = entriesOf(root);
  const victim = entries.find((e) => e.name === 'red/1.png')!;
  victim.data = victim.data!.subarray(0, 30);
  const zip = path.join(dir, 'one-bad.zip');
  writeZip(zip, entries);
  const logs: string[] = [];
  const ds = await load(zip, {}, logs);
  assert.equal(ds.count, 8);
  assert.match(logs.join('\n'), /skipped 1 file that could not be used: red\/1\.png/);
});

test('a dataset.json labels the images; class names from it; unlisted images are ignored and counted', async () => {
  const root = tmpDir('json');
  const files = ['img/00.png', 'img/01.png', 'img/02.png', 'img/03.png', 'other/04.png', 'extra.png'];
  for (const [i, f] of files.entries()) {
    const kind = i % 2 ? 'circle' : 'square';
    await writeImage(path.join(root, f), drawShape(kind, [200, 100, 50], 24), 24, 24, 'png');
  }
  const labels = [
    ['img/00.png', 0],
    ['img/01.png', 1],
    ['./img/02.png', 0],
    ['img/03.png', 1],
  ];
  writeFileSync(path.join(root, 'dataset.json'), JSON.stringify({ labels, classNames: ['squares', 'circles'] }));
  const logs: string[] = [];
  const ds = await load(root, {}, logs);
  assert.deepEqual(ds.classNames, ['squares', 'circles']);
  assert.equal(ds.count, 4);
  assert.deepEqual(Array.from(ds.labels), [0, 1, 0, 1]);
  assert.equal(ds.labelsFile, `${root}/dataset.json`);
  assert.match(logs.join('\n'), /2 images in .* not listed in dataset\.json: ignored/);
  // The same as a zip, without names: classes "0" and "1".
  writeFileSync(path.join(root, 'dataset.json'), JSON.stringify({ labels }));
  const zip = path.join(tmpDir('jzip'), 'json.zip');
  writeZip(zip, entriesOf(root));
  const z = await load(zip);
  assert.deepEqual(z.classNames, ['0', '1']);
  assert.deepEqual(z.pixels, ds.pixels);
});

test('a dataset.json that is wrong says what and where', async () => {
  const root = tmpDir('jbad');
  for (const f of ['a.png', 'b.png', 'c.png', 'd.png'])
    await writeImage(path.join(root, f), drawShape('square', [9, 9, 9], 16), 16, 16, 'png');
  const cases: [unknown, RegExp][] = [
    [{ labels: null }, /"labels" is null \(an unconditional dataset\)/],
    [
      {
        labels: [
          ['a.png', 0],
          ['missing.png', 1],
        ],
      },
      /lists missing\.png, which is not in/,
    ],
    [
      {
        labels: [
          ['a.png', 0],
          ['b.png', 0],
          ['c.png', 0],
        ],
      },
      /every image is in one class/,
    ],
    [
      {
        labels: [
          ['a.png', 0],
          ['b.png', 0],
          ['c.png', 1],
          ['d.png', 1],
        ],
        classNames: ['x'],
      },
      /index 1 is used but/,
    ],
    [
      {
        labels: [
          ['a.png', 0],
          ['b.png', 0],
          ['c.png', 1],
          ['d.png', 1],
        ],
        classNames: ['x', 'X'],
      },
      /differ only in case/,
    ],
    [
      {
        labels: [
          ['a.png', 0],
          ['b.png', 0],
          ['c.png', 1],
        ],
      },
      /"1" has 1 image; every class needs at least 2/,
    ],
    [{ labels: [['a.png', 'cat']] }, /entry \["a\.png","cat"\] is not \["<path>", <class index/],
  ];
  for (const [json, re] of cases) {
    writeFileSync(path.join(root, 'dataset.json'), JSON.stringify(json));
    await assert.rejects(load(root), (e: Error) => e instanceof BadFileError && re.test(e.message), String(re));
  }
  writeFileSync(path.join(root, 'dataset.json'), '{"labels": [');
  await assert.rejects(load(root), /dataset\.json: not valid JSON/);
});
