import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { unsortedSegmentSumViaMatMul } from './unsorted-segment-sum.ts';
import { isReplacementKernel } from './register.ts';
import { initBackends, relativeMaxDiff, seededValues, valuesOn } from '../../test/kernel-test-util.ts';

before(initBackends);

const CASES: { x: number[]; ids: number[]; idsShape?: number[]; segments: number }[] = [
  { x: [6, 5], ids: [0, 2, 2, 1, 0, 2], segments: 3 },
  { x: [4, 3, 2], ids: [3, 3, 3, 3], segments: 5 }, // empty segments stay zero
  { x: [2, 3, 4], ids: [1, 0, 1, 1, 0, 0], idsShape: [2, 3], segments: 2 }, // 2-D ids
  { x: [5, 7], ids: [0, 9, 1, -1, 1], segments: 2 }, // out-of-range ids drop out
];

describe('UnsortedSegmentSum as a one-hot matMul', () => {
  it('is what the wasm backend runs', () => {
    assert.ok(isReplacementKernel('UnsortedSegmentSum', 'wasm'));
  });
  for (const [i, c] of CASES.entries()) {
    it(`matches the stock cpu kernel: x ${c.x.join('x')} ids ${c.ids}`, async () => {
      const xv = seededValues(
        c.x.reduce((a, b) => a * b),
        3 + i,
      );
      const idsShape = c.idsShape ?? [c.ids.length];
      const make = () => [tf.tensor(xv, c.x), tf.tensor(c.ids, idsShape, 'int32')] as const;
      // The stock cpu kernel takes only 1-D, in-range ids; other cases are checked against a loop.
      const stockHandles = idsShape.length === 1 && c.ids.every((id) => id >= 0 && id < c.segments);
      const expected = stockHandles
        ? await valuesOn('cpu', () => tf.unsortedSegmentSum(make()[0], make()[1] as tf.Tensor1D, c.segments))
        : {
            shape: [c.segments, ...c.x.slice(idsShape.length)],
            values: manualSegmentSum(
              xv,
              c.ids,
              c.segments,
              c.x.slice(idsShape.length).reduce((a, b) => a * b, 1),
            ),
          };
      const viaOps = await valuesOn('cpu', () => unsortedSegmentSumViaMatMul(make()[0], make()[1], c.segments));
      const onWasm = await valuesOn('wasm', () =>
        tf.unsortedSegmentSum(make()[0], make()[1] as tf.Tensor1D, c.segments),
      );
      const outShape = [c.segments, ...c.x.slice(idsShape.length)];
      assert.deepEqual(onWasm.shape, outShape);
      assert.deepEqual(viaOps.shape, outShape);
      assert.ok(
        relativeMaxDiff(viaOps.values, expected.values) <= 1e-5,
        `cpu ops diff ${relativeMaxDiff(viaOps.values, expected.values)}`,
      );
      assert.ok(
        relativeMaxDiff(onWasm.values, expected.values) <= 1e-5,
        `wasm diff ${relativeMaxDiff(onWasm.values, expected.values)}`,
      );
    });
  }

  it('gives gather (an embedding lookup) its gradient on wasm', async () => {
    const table = seededValues(4 * 3, 1);
    const grad = async (backend: string) =>
      valuesOn(backend, () =>
        tf.grad((t: tf.Tensor) =>
          tf
            .gather(t, tf.tensor1d([2, 0, 2], 'int32'))
            .mul(
              tf.tensor2d([
                [1, 2, 3],
                [4, 5, 6],
                [7, 8, 9],
              ]),
            )
            .sum(),
        )(tf.tensor2d(table, [4, 3])),
      );
    const cpu = await grad('cpu');
    const wasm = await grad('wasm');
    assert.deepEqual(Array.from(cpu.values), [4, 5, 6, 0, 0, 0, 8, 10, 12, 0, 0, 0]);
    assert.ok(relativeMaxDiff(wasm.values, cpu.values) <= 1e-6);
  });
});

function manualSegmentSum(x: Float32Array, ids: number[], segments: number, width: number): Float32Array {
  const out = new Float32Array(segments * width);
  ids.forEach((id, i) => {
    if (id < 0 || id >= segments) return;
    for (let j = 0; j < width; j++) out[id * width + j] += x[i * width + j];
  });
  return out;
}
