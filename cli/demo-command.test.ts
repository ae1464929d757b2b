import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, utimesSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findDefaultModel } from './demo-command.ts';

test('default model: models/mnist-cwgan.onnx first, else the newest exported .onnx, else null', () => {
  const root = mkdtempSync(join(tmpdir(), 'cgan-demo-default-'));
  try {
    assert.equal(findDefaultModel(root), null);
    mkdirSync(join(root, 'runs', 'a'), { recursive: true });
    mkdirSync(join(root, 'runs', 'b', 'export'), { recursive: true });
    writeFileSync(join(root, 'runs', 'a', 'old.onnx'), 'x');
    writeFileSync(join(root, 'runs', 'b', 'export', 'new.onnx'), 'x');
    utimesSync(join(root, 'runs', 'a', 'old.onnx'), new Date(2020, 1, 1), new Date(2020, 1, 1));
    assert.equal(findDefaultModel(root), join(root, 'runs', 'b', 'export', 'new.onnx'));
    mkdirSync(join(root, 'models'));
    writeFileSync(join(root, 'models', 'mnist-cwgan.onnx'), 'x');
    utimesSync(join(root, 'models', 'mnist-cwgan.onnx'), new Date(2019, 1, 1), new Date(2019, 1, 1));
    assert.equal(findDefaultModel(root), join(root, 'models', 'mnist-cwgan.onnx'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
