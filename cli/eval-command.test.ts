import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
