import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterViaConv } from './conv2d-backprop-filter.ts';
import { conv2dBackpropInputViaSubpixel, conv2dTransposeWithBias } from './conv2d-backprop-input.ts';
import { isReplacementKernel } from './register.ts';
import { initBackends, relativeMaxDiff, seededValues, valuesOn } from '../../test/kernel-test-util.ts';
import type { ConvPad } from './tensor-info.ts';

type Shape4 = [number, number, number, number];
interface Geometry {
  x: Shape4;
  /** [kh, kw, inC, outC] */
  filter: Shape4;
  strides: number | [number, number];
  pad: ConvPad;
}

// Odd and even sizes, kernels larger and smaller than the stride, crops ('valid' with leftovers),
// explicit and numeric pads, anisotropic strides, and the model's own layers.
const GEOMETRIES: Geometry[] = [
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 2], strides: 1, pad: 'same' },
  { x: [2, 6, 5, 2], filter: [2, 3, 2, 3], strides: 1, pad: 'valid' },
  { x: [2, 9, 9, 3], filter: [4, 4, 3, 4], strides: 2, pad: 'same' },
  { x: [3, 11, 10, 2], filter: [3, 3, 2, 3], strides: 2, pad: 'valid' },
  { x: [2, 10, 11, 4], filter: [5, 5, 4, 2], strides: 3, pad: 'same' },
  { x: [2, 8, 9, 3], filter: [2, 2, 3, 2], strides: 3, pad: 'valid' },
  { x: [2, 13, 13, 2], filter: [3, 4, 2, 3], strides: 3, pad: 'valid' },
  {
    x: [1, 7, 8, 2],
    filter: [3, 3, 2, 2],
    strides: 2,
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
  { x: [2, 9, 7, 2], filter: [3, 3, 2, 3], strides: 2, pad: 1 },
  { x: [2, 9, 8, 3], filter: [3, 2, 3, 2], strides: [1, 2], pad: 'same' },
  { x: [2, 14, 14, 4], filter: [4, 4, 4, 3], strides: 2, pad: 'same' }, // generator deconv / critic conv2
  { x: [2, 28, 28, 2], filter: [4, 4, 2, 4], strides: 2, pad: 'same' }, // critic conv1
];

const label = (g: Geometry) =>
  `x ${g.x.join('x')} k ${g.filter.slice(0, 2).join('x')} s ${g.strides} pad ${JSON.stringify(g.pad)}`;

function dyShape(g: Geometry): Shape4 {
  const info = tf.backend_util.computeConv2DInfo(g.x, g.filter, g.strides, 1, g.pad);
  return [g.x[0], info.outHeight, info.outWidth, g.filter[3]];
}

const TOLERANCE = 1e-4;

/** tfjs does not export the conv2DBackpropFilter op, so the kernel is called by name, as conv2d's gradient does. */
function filterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: Shape4,
  strides: Geometry['strides'],
  pad: ConvPad,
  dataFormat = 'NHWC',
): tf.Tensor4D {
  const attrs = { strides, pad, dataFormat, filterShape };
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

before(initBackends);

describe('Conv2DBackpropFilter as a dilated conv2d', () => {
  it('is what the wasm backend runs', () => {
    assert.ok(isReplacementKernel('Conv2DBackpropFilter', 'wasm'));
    assert.ok(
      !isReplacementKernel('Conv2DBackpropFilter', 'cpu'),
      'the cpu kernel must stay stock to serve as reference',
    );
  });
  for (const [i, g] of GEOMETRIES.entries()) {
    it(`matches the stock cpu kernel: ${label(g)}`, async () => {
      const dys = dyShape(g);
      const xv = seededValues(
        g.x.reduce((a, b) => a * b),
        11 + i,
      );
      const dyv = seededValues(
        dys.reduce((a, b) => a * b),
        97 + i,
      );
      const stock = await valuesOn('cpu', () =>
        filterGrad(tf.tensor4d(xv, g.x), tf.tensor4d(dyv, dys), g.filter, g.strides, g.pad),
      );
      assert.deepEqual(stock.shape, g.filter);
      const viaOpsOnCpu = await valuesOn('cpu', () =>
        conv2dBackpropFilterViaConv(tf.tensor4d(xv, g.x), tf.tensor4d(dyv, dys), g.filter, g.strides, g.pad),
      );
      const onWasm = await valuesOn('wasm', () =>
        filterGrad(tf.tensor4d(xv, g.x), tf.tensor4d(dyv, dys), g.filter, g.strides, g.pad),
      );
      assert.deepEqual(onWasm.shape, g.filter);
      assert.ok(
        relativeMaxDiff(viaOpsOnCpu.values, stock.values) <= TOLERANCE,
        `cpu ops diff ${relativeMaxDiff(viaOpsOnCpu.values, stock.values)}`,
      );
      assert.ok(
        relativeMaxDiff(onWasm.values, stock.values) <= TOLERANCE,
        `wasm diff ${relativeMaxDiff(onWasm.values, stock.values)}`,
      );
    });
  }
});

describe('Conv2DBackpropInput as sub-pixel conv2ds', () => {
  it('is what the wasm backend runs', () => {
    assert.ok(isReplacementKernel('Conv2DBackpropInput', 'wasm'));
  });
  for (const [i, g] of GEOMETRIES.entries()) {
    it(`matches the stock cpu kernel: ${label(g)}`, async () => {
      const dys = dyShape(g);
      const fv = seededValues(
        g.filter.reduce((a, b) => a * b),
        5 + i,
      );
      const dyv = seededValues(
        dys.reduce((a, b) => a * b),
        31 + i,
      );
      const stock = await valuesOn('cpu', () =>
        tf.conv2dTranspose(tf.tensor4d(dyv, dys), tf.tensor4d(fv, g.filter), g.x, g.strides, g.pad as 'same'),
      );
      assert.deepEqual(stock.shape, g.x);
      const viaOpsOnCpu = await valuesOn('cpu', () =>
        conv2dBackpropInputViaSubpixel(tf.tensor4d(dyv, dys), tf.tensor4d(fv, g.filter), g.x, g.strides, g.pad),
      );
      const onWasm = await valuesOn('wasm', () =>
        tf.conv2dTranspose(tf.tensor4d(dyv, dys), tf.tensor4d(fv, g.filter), g.x, g.strides, g.pad as 'same'),
      );
      assert.deepEqual(onWasm.shape, g.x);
      assert.ok(
        relativeMaxDiff(viaOpsOnCpu.values, stock.values) <= TOLERANCE,
        `cpu ops diff ${relativeMaxDiff(viaOpsOnCpu.values, stock.values)}`,
      );
      assert.ok(
        relativeMaxDiff(onWasm.values, stock.values) <= TOLERANCE,
        `wasm diff ${relativeMaxDiff(onWasm.values, stock.values)}`,
      );
    });
  }

  for (const [i, g] of GEOMETRIES.entries()) {
    it(`with the bias fused in, matches stock conv2dTranspose + bias on cpu: ${label(g)}`, async () => {
      const dys = dyShape(g);
      const fv = seededValues(
        g.filter.reduce((a, b) => a * b),
        7 + i,
      );
      const dyv = seededValues(
        dys.reduce((a, b) => a * b),
        41 + i,
      );
      const bv = seededValues(g.x[3], 71 + i);
      const stock = await valuesOn('cpu', () =>
        tf.add(
          tf.conv2dTranspose(tf.tensor4d(dyv, dys), tf.tensor4d(fv, g.filter), g.x, g.strides, g.pad as 'same'),
          tf.tensor1d(bv),
        ),
      );
      const fused = await valuesOn('wasm', () =>
        conv2dTransposeWithBias(
          tf.tensor4d(dyv, dys),
          tf.tensor4d(fv, g.filter),
          g.x,
          g.strides,
          g.pad,
          tf.tensor1d(bv),
        ),
      );
      assert.deepEqual(fused.shape, g.x);
      assert.ok(
        relativeMaxDiff(fused.values, stock.values) <= TOLERANCE,
        `wasm diff ${relativeMaxDiff(fused.values, stock.values)}`,
      );
    });
  }

  it('leaves no tensors behind', async () => {
    await tf.setBackend('wasm');
    const dy = tf.ones([2, 5, 5, 3]) as tf.Tensor4D;
    const f = tf.ones([4, 4, 2, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const out = tf.conv2dTranspose(dy, f, [2, 9, 9, 2], 2, 'same');
    const w = filterGrad(out, dy, [4, 4, 2, 3], 2, 'same');
    assert.equal(tf.memory().numTensors, before + 2);
    tf.dispose([dy, f, out, w]);
  });

  it('refuses NCHW with a message naming the fix', async () => {
    await tf.setBackend('wasm');
    assert.throws(
      () =>
        tf.tidy(() =>
          filterGrad(
            tf.ones([1, 2, 5, 5]) as tf.Tensor4D,
            tf.ones([1, 2, 3, 3]) as tf.Tensor4D,
            [3, 3, 2, 2],
            1,
            'valid',
            'NCHW',
          ),
        ),
      /NHWC only/,
    );
  });
});
