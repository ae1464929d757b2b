import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_MODEL, defaultModelPath, modelOrDefault } from './default-model.ts';

test('the default model is found next to the package, whatever the current directory', () => {
  const before = process.cwd();
  const elsewhere = mkdtempSync(join(tmpdir(), 'cgan-default-model-'));
  try {
    process.chdir(elsewhere);
    const p = defaultModelPath();
    assert.ok(isAbsolute(p), p);
    assert.ok(p.endsWith(DEFAULT_MODEL), p);
    assert.ok(!p.startsWith(elsewhere), `${p} is under the current directory`);
    assert.ok(existsSync(p), `${p} does not exist`);
    assert.equal(modelOrDefault(undefined), p);
    assert.equal(modelOrDefault('mine.onnx'), 'mine.onnx');
  } finally {
    process.chdir(before);
    rmSync(elsewhere, { recursive: true, force: true });
  }
});

test('a missing default model is an error that names it and says what to pass', () => {
  assert.throws(
    () => modelOrDefault(undefined, '/nonexistent/models/mnist-cwgan.onnx'),
    new RegExp(
      String.raw`no model named and the default model \/nonexistent\/models\/mnist-cwgan\.onnx does not exist: ` +
        String.raw`pass an \.onnx written by ` +
        '`cgan export',
    ),
  );
});
