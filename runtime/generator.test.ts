import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { testOnnx } from '../test/test-checkpoint.ts';
import { Generator, missingCudaLibrary } from './node.ts';
import { noiseFromSeed } from './random.ts';

const maxDiff = (x: Float32Array, y: Float32Array) => x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);

let bytes: Uint8Array;
let g: Generator;
let dir: string;

before(async () => {
  bytes = await testOnnx();
  g = await Generator.load(bytes, { device: 'cpu' });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cgan-gen-'));
});
after(async () => {
  await g.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

test('generate returns NCHW float32 in [-1, 1] and says where it ran', async () => {
  const out = await g.generate({ labels: '3,3,7', seed: 5 });
  assert.equal(out.count, 3);
  assert.equal(out.data.length, 3 * 28 * 28);
  assert.deepEqual(Array.from(out.labels), [3, 3, 7]);
  assert.equal(out.device, 'cpu');
  assert.equal(g.device, 'cpu');
  assert.ok(out.data.every((v) => v >= -1 && v <= 1));
  assert.ok(
    out.data.some((v) => v < -0.5) && out.data.some((v) => v > 0.5),
    'test weights should reach the tanh tails',
  );
});

test('seed noise is the shared recipe, and chunking does not change results', async () => {
  const labels = Array.from({ length: 23 }, (_, i) => i % 10);
  const a = await g.generate({ labels, seed: 11 });
  const b = await g.generate({ labels, seed: 11, batchSize: 4 });
  const c = await g.generate({ labels, noise: noiseFromSeed(11, 23, 16) });
  assert.deepEqual(a.noise, noiseFromSeed(11, 23, 16));
  assert.deepEqual(c.data, a.data);
  // Other batch splits may take other GEMM kernel paths: equal up to float rounding.
  assert.ok(maxDiff(b.data, a.data) <= 1e-6, `chunked run differs by ${maxDiff(b.data, a.data)}`);
  const single = await g.generate({ labels: [labels[5]], noise: a.noise.slice(5 * 16, 6 * 16) });
  assert.ok(maxDiff(single.data, a.data.subarray(5 * 784, 6 * 784)) <= 1e-6);
});

test('bad generate requests name the problem', async () => {
  await assert.rejects(
    g.generate({ labels: [10], seed: 1 }),
    /label 10 is outside the model's classes: it has 10 \(0-9\)/,
  );
  await assert.rejects(g.generate({ labels: [1.5], seed: 1 }), /labels\[0\] is 1.5: labels must be integers/);
  await assert.rejects(
    g.generate({ labels: 'a-b', seed: 1 }),
    /"a-b" is not a class of this model; its classes are "0", .* \(or indices 0-9\)/,
  );
  await assert.rejects(
    g.generate({ labels: [1, 2], noise: new Float32Array(16) }),
    /noise has 16 values; 2 images x zDim 16 need 32/,
  );
  const nan = new Float32Array(32);
  nan[20] = NaN;
  await assert.rejects(
    g.generate({ labels: [1, 2], noise: nan }),
    /noise value 20 \(image 1, dim 4\) is NaN; noise must be finite/,
  );
  const inf = new Float32Array(16).fill(Infinity);
  await assert.rejects(g.generate({ labels: [1], noise: inf }), /is Infinity/);
  await assert.rejects(g.generate({ labels: [1] }), /exactly one of seed or noise/);
  await assert.rejects(
    g.generate({ labels: [1], seed: 1, noise: new Float32Array(16) }),
    /exactly one of seed or noise/,
  );
  await assert.rejects(g.generate({ labels: [1], seed: -1 }), /seed must be an integer in \[0, 4294967295\]/);
});

test('missing, corrupt and truncated model files fail to load with the reason', async () => {
  await assert.rejects(
    Generator.load(path.join(dir, 'nope.onnx')),
    /model file .*nope.onnx does not exist; export one with `cgan export/,
  );
  const cut = path.join(dir, 'cut.onnx');
  await fs.writeFile(cut, bytes.subarray(0, 5000));
  await assert.rejects(Generator.load(cut), /cut.onnx: not a valid ONNX file, or truncated/);
  const junk = path.join(dir, 'junk.onnx');
  await fs.writeFile(junk, 'this is not a model\n'.repeat(50));
  await assert.rejects(Generator.load(junk), /junk.onnx: not/);
  await assert.rejects(Generator.load(dir), /is a directory/);
});

test(
  'devices: unknown names are listed; an absent cuda says how to get it; ' + 'fallback is opt-in and reported',
  async (t) => {
    await assert.rejects(
      Generator.load(bytes, { device: 'wasm' }),
      /device "wasm" does not exist in Node; use one of: auto, cpu, cuda, webgpu/,
    );
    if (!missingCudaLibrary()) return t.skip('the CUDA provider is installed here');
    await assert.rejects(
      Generator.load(bytes, { device: 'cuda' }),
      /device cuda is not available: .*ONNXRUNTIME_NODE_INSTALL=cuda12/,
    );
    const fb = await Generator.load(bytes, { device: 'cuda', fallback: true });
    assert.equal(fb.device, 'cpu');
    assert.equal(fb.fallback?.from, 'cuda');
    assert.match(fb.fallback?.reason ?? '', /CUDA/);
    await fb.dispose();
    const auto = await Generator.load(bytes);
    assert.equal(auto.device, 'cpu');
    assert.equal(auto.requested, 'auto');
    await auto.dispose();
  },
);
