import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultArch } from '../train/model.ts';
import { generatorFlops } from './onnx.ts';

test('generator FLOPs per image match the reference figure (133.5 MFLOP)', () => {
  assert.equal((generatorFlops(defaultArch()) / 1e6).toFixed(1), '133.5');
});
