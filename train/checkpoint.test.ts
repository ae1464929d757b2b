/** A checkpoint write that fails leaves the old file and no temporary file, and names the file. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { BadFileError } from '../runtime/errors.ts';
import { writeCheckpoint } from './checkpoint.ts';

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
