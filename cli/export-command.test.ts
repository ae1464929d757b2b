/** `cgan export` and `cgan info` end to end. */
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { smallArch, writeTestCheckpoint } from '../test/test-checkpoint.ts';
import { runCgan } from '../test/run-cgan.ts';

const cgan = (...args: string[]) => runCgan(args);

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cgan-export-cli-'));
  await writeTestCheckpoint(path.join(dir, 'run'), 'trained', 5, smallArch());
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

test('cgan export prints the parity report; cgan info describes the file', async () => {
  const out = path.join(dir, 'models', 'first.onnx');
  const r = await cgan('export', path.join(dir, 'run'), '--out', out, '--fp16');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /float32 parity, tfjs \w+ vs onnxruntime-node cpu, max abs diff [\d.e+-]+ .*limit 1e-4: OK/);
  assert.match(r.stdout, /wrote .*first.fp16.onnx .*float16 weights, max abs diff/);
  assert.ok(existsSync(out));

  const i = await cgan('info', out);
  assert.equal(i.code, 0, i.stderr);
  assert.match(i.stdout, /classes: +10 \(0, 1, 2/);
  assert.match(i.stdout, /z size: +16/);
  assert.match(i.stdout, /producer: +cgan-onnx \d/);
  assert.match(i.stdout, /checkpoint: +step 1500, dataset mnist/);
  assert.match(i.stdout, /inputs: +z: float32 \[batch, 16\]; label: int64 \[batch\]/);
  const j = await cgan('info', out, '--json');
  assert.equal(JSON.parse(j.stdout).info.zDim, 16);
});

test('cgan export / info: missing inputs exit 3 with the reason', async () => {
  const [e, i, c] = await Promise.all([
    cgan('export', path.join(dir, 'none'), '--out', path.join(dir, 'x.onnx')),
    cgan('info', path.join(dir, 'none.onnx')),
    cgan('info', path.join(dir, 'run', 'checkpoint.safetensors')),
  ]);
  assert.equal(e.code, 3);
  assert.match(e.stderr, /no checkpoint at/);
  assert.equal(i.code, 3);
  assert.match(i.stderr, /none.onnx does not exist/);
  assert.equal(c.code, 3);
  assert.match(c.stderr, /checkpoint.safetensors: not (a valid ONNX file|an ONNX model)/);
});

test('cgan export --triton lays the model out as a Triton repository; an existing entry is refused', async () => {
  const repo = path.join(dir, 'triton');
  const r = await cgan('export', path.join(dir, 'run'), '--triton', repo, '--max-batch', '32');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /wrote Triton model repository .*: run\/config.pbtxt, run\/1\/model.onnx/);
  const { parsePbtxt } = await import('../test/pbtxt.ts');
  const { modelConfigType } = await import('../serve/triton.ts');
  const config = parsePbtxt(await fs.readFile(path.join(repo, 'run', 'config.pbtxt'), 'utf8'), modelConfigType());
  assert.equal(config.name, 'run');
  assert.equal(config.max_batch_size, 32);
  const i = await cgan('info', path.join(repo, 'run', '1', 'model.onnx'));
  assert.equal(i.code, 0, i.stderr);
  const again = await cgan('export', path.join(dir, 'run'), '--triton', repo);
  assert.equal(again.code, 4);
  assert.match(again.stderr, /config.pbtxt exists: pass --force to replace it, or pick another --name or --triton/);
  const forced = await cgan('export', path.join(dir, 'run'), '--triton', repo, '--force');
  assert.equal(forced.code, 0, forced.stderr);
  const none = await cgan('export', path.join(dir, 'run'));
  assert.equal(none.code, 2);
  assert.match(none.stderr, /nothing to write: pass --out FILE.onnx and\/or --triton DIR/);
});
