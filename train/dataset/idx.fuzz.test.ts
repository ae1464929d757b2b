/**
 * Property-based tests of the IDX readers (outside bytes: any pair in the folder `--data` names):
 * arbitrary and mutated image and label files, plain or gzipped, end in a dataset or a typed error
 * (BadFileError: the file; BadRequestError: a shape or size the model cannot take), never another
 * exception or a hang.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { BadFileError, BadRequestError } from '../../runtime/errors.ts';
import { fuzzParams } from '../../test/fuzz-runs.ts';
import { loadDataset } from '../data.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cgan-idx-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function idx(magic: number, dims: number[], body: Uint8Array): Uint8Array {
  const head = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  head.setUint32(0, magic);
  dims.forEach((d, i) => head.setUint32(4 + 4 * i, d));
  return new Uint8Array([...new Uint8Array(head.buffer), ...body]);
}

/** Six 16x16 images of two classes: a valid pair to mutate. */
const images = idx(
  0x803,
  [6, 16, 16],
  Uint8Array.from({ length: 6 * 256 }, (_, i) => (i * 37) % 256),
);
const labels = idx(0x801, [6], Uint8Array.from([0, 1, 0, 1, 0, 1]));

async function outcome(img: Uint8Array, lbl: Uint8Array, gz: boolean): Promise<string> {
  const sub = mkdtempSync(path.join(dir, 'case-'));
  const ext = gz ? '.gz' : '';
  writeFileSync(path.join(sub, `train-images-idx3-ubyte${ext}`), gz ? gzipSync(img) : img);
  writeFileSync(path.join(sub, `train-labels-idx1-ubyte${ext}`), gz ? gzipSync(lbl) : lbl);
  try {
    const ds = await loadDataset({ dir: sub });
    assert.equal(ds.pixels.length, ds.count * ds.size * ds.size * ds.channels);
    return 'ok';
  } catch (e) {
    if (e instanceof BadFileError || e instanceof BadRequestError) return 'typed';
    throw new Error(`not a typed error: ${(e as Error)?.name}: ${(e as Error)?.message}`);
  } finally {
    rmSync(sub, { recursive: true, force: true });
  }
}

test('the unmutated pair loads (the properties below start from a good pair)', async () => {
  assert.equal(await outcome(images, labels, false), 'ok');
  assert.equal(await outcome(images, labels, true), 'ok');
});

const mutate = (b: Uint8Array) =>
  fc
    .array(fc.record({ at: fc.nat(b.length - 1), value: fc.nat(255), cut: fc.boolean() }), { maxLength: 3 })
    .map((edits) => {
      let out = b.slice();
      for (const e of edits) {
        if (e.cut) out = out.slice(0, Math.min(e.at, out.length));
        else if (e.at < out.length) out[e.at] = e.value;
      }
      return out;
    });

test('mutated headers and bodies, plain or gzipped: a dataset or a typed error', async () => {
  await fc.assert(
    fc.asyncProperty(mutate(images), mutate(labels), fc.boolean(), async (img, lbl, gz) => {
      await outcome(img, lbl, gz);
    }),
    fuzzParams,
  );
});

test('arbitrary bytes as either file: a dataset or a typed error', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), fc.boolean(), async (b, first) => {
      await outcome(first ? b : images, first ? labels : b, false);
    }),
    { ...fuzzParams, numRuns: Math.min(fuzzParams.numRuns, 100) },
  );
});
