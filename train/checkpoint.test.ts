/** A checkpoint write that fails leaves the old file and no temporary file, and names the file. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { BadFileError } from '../runtime/errors.ts';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  checkpointNote,
  decodeCheckpoint,
  encodeCheckpoint,
  readCheckpoint,
  writeCheckpoint,
} from './checkpoint.ts';
import { decodeSafetensors, encodeSafetensors } from './safetensors.ts';

test('a failed save removes its .tmp and says which file it could not write', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cgan-ckpt-'));
  // The rename fails (a directory sits where the checkpoint goes), as a full disk fails the write.
  mkdirSync(path.join(dir, 'checkpoint.safetensors'));
  const c = {
    config: {} as never,
    state: {} as never,
    tensors: { x: { dtype: 'F32' as const, shape: [2], data: new Float32Array(2) } },
  };
  await assert.rejects(writeCheckpoint(dir, c), (e: Error) => {
    assert.match(e.message, /checkpoint\.safetensors is a directory.*previous checkpoint, if any, is unchanged/);
    assert.ok(e instanceof BadFileError, `${e.name}: a bad file (the CLI's exit 3)`);
    return true;
  });
  assert.deepEqual(readdirSync(dir), ['checkpoint.safetensors'], 'no .tmp left behind');
});

/** A small checkpoint, its bytes, and the byte range of one tensor's data inside them. */
function smallCheckpoint() {
  const c = {
    config: { arch: {}, hyper: {}, dataset: {} } as never,
    state: { step: 3, rng: [1, 2, 3, 4] } as never,
    tensors: {
      'generator.dense.kernel': { dtype: 'F32' as const, shape: [64, 4], data: new Float32Array(256).fill(0.25) },
      'generator.dense.bias': { dtype: 'F32' as const, shape: [4], data: new Float32Array(4).fill(-1) },
    },
  };
  const bytes = encodeCheckpoint(c);
  const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  const range = (name: string): [number, number] => header[name].data_offsets.map((o: number) => 8 + headerLen + o);
  return { c, bytes, range, header, headerLen };
}

test('every tensor carries a sha256: flipped bytes stop the read and name the tensor', () => {
  const { bytes, range } = smallCheckpoint();
  assert.equal(decodeCheckpoint(bytes, 'ok.safetensors').integrity, 'checked');
  // Table: each kind of damage inside the data, which the container itself cannot notice.
  const rows: [string, (b: Uint8Array) => void, RegExp][] = [
    [
      '64 flipped bytes in the kernel',
      (b) => {
        const [a] = range('generator.dense.kernel');
        for (let i = 0; i < 64; i++) b[a + 100 + i] ^= 0xff;
      },
      /tensor generator\.dense\.kernel does not match the sha256 stored when it was saved: the file is damaged/,
    ],
    [
      'one bit in the bias',
      (b) => {
        b[range('generator.dense.bias')[0]] ^= 1;
      },
      /tensor generator\.dense\.bias does not match/,
    ],
  ];
  for (const [name, damage, want] of rows) {
    const b = Uint8Array.from(bytes);
    damage(b);
    assert.throws(
      () => decodeCheckpoint(b, 'x.safetensors'),
      (e: Error) => e instanceof BadFileError && want.test(e.message) && /^x\.safetensors: /.test(e.message),
      name,
    );
  }
});

test('a checkpoint written before checksums still loads, marked unchecked, with a note', () => {
  const { c } = smallCheckpoint();
  const old = encodeSafetensors({
    tensors: c.tensors,
    metadata: {
      format: CHECKPOINT_FORMAT,
      format_version: CHECKPOINT_VERSION,
      config: JSON.stringify(c.config),
      state: JSON.stringify(c.state),
    },
  });
  const r = decodeCheckpoint(old, 'old.safetensors');
  assert.equal(r.integrity, 'unchecked');
  assert.deepEqual(r.tensors['generator.dense.bias'].data, c.tensors['generator.dense.bias'].data);
  assert.match(checkpointNote(r, 'old.safetensors') ?? '', /old\.safetensors has no tensor checksums/);
  assert.equal(checkpointNote(decodeCheckpoint(encodeCheckpoint(c), 'new'), 'new'), null);
  // A checksum for a tensor the header no longer lists (an edited header) is damage too.
  const edited = { ...c, tensors: { ...c.tensors } };
  const full = decodeSafetensors(encodeCheckpoint(edited), 'e');
  delete full.tensors['generator.dense.bias'];
  assert.throws(
    () => decodeCheckpoint(encodeSafetensors(full), 'e'),
    /tensor generator\.dense\.bias has a checksum but is not in the file/,
  );
});

test('the shipped run checkpoints (older than checksums) still load', async () => {
  const file = new URL('../bench/results/ship-adam0/checkpoint.safetensors', import.meta.url).pathname;
  const r = await readCheckpoint(file);
  assert.ok(r.integrity === 'unchecked' || r.integrity === 'checked');
  assert.ok(Object.keys(r.tensors).length > 10);
});
