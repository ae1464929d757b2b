import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeModel, encodeModel } from '../export/onnx-schema.ts';
import { testOnnx } from '../test/test-checkpoint.ts';
import { runCgan } from '../test/run-cgan.ts';

const root = mkdtempSync(join(tmpdir(), 'cgan-eval-cli-'));

async function cgan(args: string[]): Promise<{ code: number; out: string }> {
  const r = await runCgan(args, { cwd: root });
  return { code: r.code, out: r.stdout + r.stderr };
}

test('`cgan eval` prints accuracy and Frechet distance with their counts, and writes --json', async () => {
  const model = join(root, 'random.onnx');
  writeFileSync(model, await testOnnx());
  const json = join(root, 'eval.json');
  const r = await cgan(['eval', model, '--samples', '100', '--test-limit', '500', '--device', 'cpu', '--json', json]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /conditional accuracy %.*\(100 samples, 10 per class, seed 0\)/);
  assert.match(r.out, /real test accuracy %.*\(500 test images\)/);
  assert.match(r.out, /Frechet distance +\d+\.\d+ +\(100 samples vs 500 test images, 128-d classifier features\)/);
  assert.match(r.out, /real reference +\d+\.\d+ +\(100 training images/);
  const j = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(j.generated.count, 100);
  assert.ok(j.generated.conditionalAccuracy.overall < 0.3);
  assert.ok(j.generated.frechetDistance > j.reference.frechetDistance);
  assert.equal(j.reference.testAccuracy.count, 500);
});

test('`cgan eval` errors: bad --samples', async () => {
  const r = await cgan(['eval', 'm.onnx', '--samples', 'ten']);
  assert.equal(r.code, 2);
  assert.match(r.out, /--samples must be an integer/);
});

test('`cgan eval` refuses a model whose weights hash does not match (exit 3); --no-verify evaluates it', async () => {
  const m = decodeModel(await testOnnx());
  // Sound weights under a stored hash that is not theirs: refused as damaged weights are, yet still runnable.
  m.metadata_props.find((p) => p.key === 'weights_sha256')!.value = '0'.repeat(64);
  const model = join(root, 'wrong-hash.onnx');
  writeFileSync(model, encodeModel(m));
  const args = ['eval', model, '--samples', '20', '--test-limit', '50', '--device', 'cpu'];
  const refused = await cgan(args);
  assert.equal(refused.code, 3, refused.out);
  assert.match(refused.out, /wrong-hash\.onnx: its weights do not match the weights_sha256 stored at export \(0{12}\./);
  assert.match(refused.out, /the file is damaged; copy or export it again \(to load it anyway, .*--no-verify\)/);
  assert.doesNotMatch(refused.out, /conditional accuracy/);
  const r = await cgan([...args, '--no-verify']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /weights 000000000000 not verified \(--no-verify\)\);/);
  assert.match(r.out, /conditional accuracy %.*\(20 samples, 2 per class, seed 0\)/);
});
