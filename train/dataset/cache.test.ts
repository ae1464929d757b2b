/**
 * The decoded cache: a second load reads it instead of decoding (same bytes), a changed folder
 * (a file touched, added or removed) is decoded again, a damaged cache is rebuilt with a note, a
 * request for another size misses, and where it lives follows $CGAN_CACHE_DIR / $XDG_CACHE_HOME.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { loadDataset } from '../data.ts';
import { defaultCacheDir } from './cache.ts';
import { cleanupTmpDirs, drawShape, shapesFolder, tmpDir, writeImage } from '../../test/dataset-fixtures.ts';

after(cleanupTmpDirs);

async function setup() {
  const root = await shapesFolder(tmpDir('cache-src'), { perClass: 3, w: 20 });
  const cacheDir = tmpDir('cache');
  const logs: string[] = [];
  const load = (o: Parameters<typeof loadDataset>[0] = {}) =>
    loadDataset({ dir: root, cacheDir, log: (m) => logs.push(m), ...o });
  return { root, cacheDir, logs, load };
}

test('the second load reads the cache: same pixels, labels, names and fingerprint, nothing decoded', async () => {
  const { cacheDir, logs, load } = await setup();
  const first = await load();
  assert.equal(first.cache?.hit, false);
  const files = readdirSync(cacheDir);
  assert.equal(files.length, 1, 'one cache file, no temporary left');
  assert.match(files[0], /^cgan-ds-cache-src-.*-[0-9a-f]{16}\.cgands$/);
  assert.equal(first.cache!.bytes, readFileSync(path.join(cacheDir, files[0])).length);
  logs.length = 0;
  const second = await load();
  assert.equal(second.cache?.hit, true);
  assert.ok(!logs.some((l) => /decoded \d+ images/.test(l)), 'nothing decoded');
  assert.ok(
    logs.some((l) => /read the decoded cache .*\.cgands \(\d+ KiB\)/.test(l)),
    logs.join('\n'),
  );
  assert.deepEqual(second.pixels, first.pixels);
  assert.deepEqual(second.labels, first.labels);
  const { pixels, labels, cache, ...rest } = second;
  const { pixels: p1, labels: l1, cache: c1, ...rest1 } = first;
  assert.deepEqual(rest, rest1);
});

test('a file touched, added or removed is noticed and the folder decoded again', async () => {
  const { root, load } = await setup();
  const a = await load();
  assert.equal((await load()).cache?.hit, true);
  const file = path.join(root, 'red', '0.png');
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
  const touched = await load();
  assert.equal(touched.cache?.hit, false, 'touched');
  assert.notEqual(touched.fingerprint, a.fingerprint);
  await writeImage(path.join(root, 'red', 'new.png'), drawShape('square', [255, 0, 0], 20), 20, 20, 'png');
  const added = await load();
  assert.equal(added.cache?.hit, false, 'added');
  assert.equal(added.count, a.count + 1);
  rmSync(path.join(root, 'red', 'new.png'));
  const removed = await load();
  assert.equal(removed.cache?.hit, false, 'removed');
  assert.equal(removed.count, a.count);
  // A README added next to the images changes no image: still a hit.
  writeFileSync(path.join(root, 'README.md'), 'about');
  assert.equal((await load()).cache?.hit, true, 'non-image file');
});

test('a damaged cache is ignored with a note and rebuilt', async () => {
  const { cacheDir, logs, load } = await setup();
  const a = await load();
  const file = path.join(cacheDir, readdirSync(cacheDir)[0]);
  const bytes = readFileSync(file);
  bytes[bytes.length - 20] ^= 0xff; // a pixel flipped
  writeFileSync(file, bytes);
  logs.length = 0;
  const b = await load();
  assert.equal(b.cache?.hit, false);
  assert.match(logs.join('\n'), /the dataset cache .* is damaged \(its checksum does not match\): decoding again/);
  assert.deepEqual(b.pixels, a.pixels);
  assert.equal((await load()).cache?.hit, true, 'rebuilt');
  truncateSync(file, 100);
  logs.length = 0;
  assert.equal((await load()).cache?.hit, false);
  assert.match(logs.join('\n'), /is damaged/);
});

test('a size or channel request decoded before is served by the cache; another one decodes again', async () => {
  const { load } = await setup();
  const auto = await load();
  assert.equal(auto.size, 20);
  // The checkpoint's own size on a resume: served by the cache decoded with the size chosen from the data.
  assert.equal((await load({ imageSize: 20, channels: 3 })).cache?.hit, true);
  const small = await load({ imageSize: 16 });
  assert.equal(small.cache?.hit, false);
  assert.equal(small.size, 16);
  assert.notEqual(small.fingerprint, auto.fingerprint);
  assert.equal((await load({ imageSize: 16 })).cache?.hit, true);
});

test('--strict refuses a cached folder that had skipped images, as it does a fresh one', async () => {
  const { root, load } = await setup();
  writeFileSync(path.join(root, 'blue', 'bad.png'), 'x');
  assert.equal((await load()).count, 9);
  await assert.rejects(load({ strict: true }), /1 file in .* cannot be used \(--strict\): blue\/bad\.png/);
});

test('the cache lives in $CGAN_CACHE_DIR, else $XDG_CACHE_HOME/cgan-onnx/datasets, else ~/.cache/...', () => {
  const saved = { c: process.env.CGAN_CACHE_DIR, x: process.env.XDG_CACHE_HOME };
  try {
    process.env.CGAN_CACHE_DIR = '/tmp/cgan-here';
    assert.equal(defaultCacheDir(), '/tmp/cgan-here');
    delete process.env.CGAN_CACHE_DIR;
    process.env.XDG_CACHE_HOME = '/tmp/xdg';
    assert.equal(defaultCacheDir(), '/tmp/xdg/cgan-onnx/datasets');
    delete process.env.XDG_CACHE_HOME;
    assert.equal(defaultCacheDir(), path.join(os.homedir(), '.cache', 'cgan-onnx', 'datasets'));
  } finally {
    for (const [k, v] of [
      ['CGAN_CACHE_DIR', saved.c],
      ['XDG_CACHE_HOME', saved.x],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});
