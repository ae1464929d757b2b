import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { isReplacementKernel } from './register.ts';
import { columnSums, leadingReduction, sumLeadingAxes } from './sum.ts';
import { initBackends, relativeMaxDiff, seededValues, valuesOn } from '../../test/kernel-test-util.ts';

before(initBackends);

async function compare(label: string, make: () => tf.Tensor, tolerance = 1e-5) {
  const cpu = await valuesOn('cpu', make);
  const wasm = await valuesOn('wasm', make);
  assert.deepEqual(wasm.shape, cpu.shape, label);
  const d = relativeMaxDiff(wasm.values, cpu.values);
  assert.ok(d <= tolerance, `${label}: relative max diff ${d}`);
}

const t = (shape: number[], seed: number) =>
  tf.tensor(
    seededValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );

describe('BatchMatMul with transposed operands', () => {
  it('is what the wasm backend runs', () => assert.ok(isReplacementKernel('BatchMatMul', 'wasm')));
  const cases: [number[], number[], boolean, boolean][] = [
    [[5, 7], [7, 3], false, false],
    [[5, 7], [3, 7], false, true],
    [[7, 5], [7, 3], true, false],
    [[7, 5], [3, 7], true, true],
    [[2, 4, 6], [2, 3, 6], false, true],
    [[2, 6, 4], [1, 6, 3], true, false], // broadcast batch
    [[64, 40], [64, 30], true, false], // the dense kernel's gradient, shrunk
    // Large transposed operand, small other one: computed as (B'^T A'^T)^T instead.
    [[300, 4], [300, 3], true, false],
    [[2, 300], [40, 300], false, true],
    [[3, 200, 5], [3, 200, 2], true, false],
    [[40, 300], [2, 300], false, true], // small transposed operand: transposed directly
  ];
  for (const [i, [as, bs, ta, tb]] of cases.entries()) {
    it(`matches the stock cpu kernel: ${as} x ${bs} transposeA=${ta} transposeB=${tb}`, () =>
      compare(`case ${i}`, () => tf.matMul(t(as, i + 1), t(bs, i + 50), ta, tb)));
  }
});

describe('Sum over leading axes', () => {
  it('is what the wasm backend runs', () => assert.ok(isReplacementKernel('Sum', 'wasm')));
  it('recognises leading-axis reductions only', () => {
    assert.equal(leadingReduction([4, 5, 6, 3], [0, 1, 2]), 3);
    assert.equal(leadingReduction([4, 5, 6, 3], [2, 0, 1]), 3);
    assert.equal(leadingReduction([4, 5], 0), 1);
    assert.equal(leadingReduction([4, 5, 6], [1, 2]), 0);
    assert.equal(leadingReduction([4, 5, 6], [0, 2]), 0);
    assert.equal(leadingReduction([4, 5, 6], [0, 1, 2]), 0); // a full reduction is already fast
  });
  const cases: [number[], number | number[], boolean][] = [
    [[4, 5, 6, 3], [0, 1, 2], false],
    [[4, 5, 6, 3], [0, 1, 2], true],
    [[9, 7], 0, false],
    [[3, 5, 4], [-3, -2], false],
    [[4, 5, 6], [1, 2], false], // stock path
    [[4, 5, 6], [0, 2], true], // stock path
    [[2, 3], [0, 1], false], // stock path
  ];
  for (const [i, [shape, axis, keep]] of cases.entries()) {
    it(`matches the stock cpu kernel: ${shape} axis ${axis} keepDims=${keep}`, () =>
      compare(`case ${i}`, () => tf.sum(t(shape, i + 7), axis, keep)));
  }
  it('leaves int32 sums to the stock kernel', () =>
    compare('int32', () =>
      tf.sum(
        tf.tensor2d(
          [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
          [3, 2],
          'int32',
        ),
        0,
      ),
    ));
  it('on wasm, is bit for bit the one-row matrix product it replaced (MNIST runs train as before)', async () => {
    // The model's bias-gradient shapes, shrunk in batch, and odd column counts (the 8-column blocks' tail).
    const shapes = [
      [2, 28, 28, 128],
      [3, 14, 14, 64],
      [5, 7, 7, 64],
      [16, 6272],
      [300, 27],
      [40, 3],
      [9, 1],
    ];
    for (const [i, shape] of shapes.entries()) {
      const { values: summed } = await valuesOn('wasm', () =>
        tf.sum(t(shape, i + 30), [0, 1, 2].slice(0, shape.length - 1)),
      );
      const { values: product } = await valuesOn('wasm', () =>
        sumLeadingAxes(t(shape, i + 30), shape.length - 1, false),
      );
      assert.deepEqual(summed, product, `${shape}`);
    }
  });
  it('adds each column in row order in float32', () => {
    const x = Float32Array.of(1e8, 1, 1, -1e8, 3, 0.5, 2, 0.25, 7);
    const out = new Float32Array(1);
    columnSums(x, 9, 1, out);
    let acc = 0;
    for (const v of x) acc = Math.fround(acc + v);
    assert.equal(out[0], acc);
  });
  it('gives bias gradients (add broadcast) equal to cpu', () =>
    compare('bias grad', () =>
      tf.grad((b: tf.Tensor) =>
        tf
          .add(t([3, 4, 5, 6], 3), b)
          .square()
          .sum(),
      )(t([6], 4)),
    ));
});
