/** The output rules at the mechanism: non-regular files refused, exclusive creation, standard output. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { BadRequestError, RefusedError } from '../runtime/errors.ts';
import { checkOutputs, writeOutput } from './outputs.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cgan-outputs-'));
const f = (n: string) => path.join(dir, n);
after(() => rmSync(dir, { recursive: true, force: true }));

test('an existing output that is not a regular file is refused by the check and by the write', async () => {
  execFileSync('mkfifo', [f('pipe')]);
  symlinkSync('/dev/null', f('dev'));
  writeFileSync(f('real'), 'x');
  symlinkSync(f('real'), f('link-to-file'));
  const rows: [string, RegExp | null][] = [
    [f('pipe'), /is a FIFO \(named pipe\), not a regular file; writing there would replace it/],
    [f('dev'), /is a character device, not a regular file/],
    [f('link-to-file'), null], // a symlink to a regular file is a regular output
  ];
  for (const [file, want] of rows) {
    const check = checkOutputs([{ file, flag: '--out' }], { inputs: [] });
    const write = writeOutput(file, new Uint8Array([1, 2]), '--out');
    if (want === null) {
      await check;
      await write;
      continue;
    }
    for (const p of [check, write])
      await assert.rejects(p, (e: Error) => e instanceof RefusedError && want.test(e.message));
  }
  assert.ok(lstatSync(f('pipe')).isFIFO(), 'the FIFO is still there');
  assert.ok(lstatSync(f('dev')).isSymbolicLink());
  assert.ok(!readdirSync(dir).some((n) => n.endsWith('.tmp')), 'no temporary file left');
});

test('exclusive writes: a file that appeared after the check is refused, not replaced (exports racing)', async () => {
  const out = f('race.onnx');
  await checkOutputs([{ file: out, flag: '--out' }], { inputs: [], anyExisting: true });
  // Another export (another process) puts its file there while this one works; link() makes the
  // put-in-place atomic, so of two racers exactly one gets the path.
  await writeOutput(out, new Uint8Array([1]), '--out', true);
  await assert.rejects(writeOutput(out, new Uint8Array([3]), '--out', true), (e: Error) => {
    assert.ok(e instanceof RefusedError);
    assert.match(e.message, /race\.onnx was created by another process while this one worked; pass --force/);
    return true;
  });
  assert.equal(readFileSync(out)[0], 1, 'the first file is kept');
  await writeOutput(out, new Uint8Array([4]), '--out'); // not exclusive (--force): replaced
  assert.equal(readFileSync(out)[0], 4);
});

test('- is standard output only where the command allows it', async () => {
  await checkOutputs([{ file: '-', flag: '--out' }], { inputs: [], stdoutAllowed: ['--out'] });
  await assert.rejects(
    checkOutputs([{ file: '-', flag: '--out' }], { inputs: [] }),
    (e: Error) => e instanceof BadRequestError && /--out -: this output cannot go to standard output/.test(e.message),
  );
});
