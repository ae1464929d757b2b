/** `cgan generate` end to end, and every bad input: a message naming the problem and its exit code (cli/errors.ts). */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import { decodeModel, encodeModel } from '../export/onnx-schema.ts';
import { testOnnx } from '../test/test-checkpoint.ts';
import { Generator, missingCudaLibrary } from '../runtime/node.ts';
import { runCgan } from '../test/run-cgan.ts';

const cgan = (...args: string[]) => runCgan(args);

let dir: string;
let model: string;
const f = (name: string) => path.join(dir, name);

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cgan-generate-'));
  model = f('g.onnx');
  const bytes = await testOnnx();
  await fs.writeFile(model, bytes);
  await fs.writeFile(f('g.fp16.onnx'), await testOnnx(undefined, { fp16: true }));
  await fs.writeFile(f('only32.onnx'), bytes);
  await fs.writeFile(f('cut.onnx'), bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  await fs.writeFile(f('junk.onnx'), Buffer.from('definitely not a protobuf '.repeat(40)));
  const m = decodeModel(bytes);
  m.metadata_props = m.metadata_props.filter((p) => p.key !== 'format');
  m.graph.input[0].name = 'x';
  await fs.writeFile(f('other.onnx'), encodeModel(m));
  const z = new Float32Array(3 * 16).map((_, i) => Math.sin(i));
  await fs.writeFile(f('z.bin'), Buffer.from(z.buffer));
  await fs.writeFile(f('short.bin'), Buffer.from(z.buffer, 0, 2 * 16 * 4));
  const nan = z.slice();
  nan[17] = NaN;
  await fs.writeFile(f('nan.bin'), Buffer.from(nan.buffer));
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

test('--labels 0-9 --count 8 --seed 42 --out grid.png: one row per label', async () => {
  const r = await cgan('generate', model, '--labels', '0-9', '--count', '8', '--seed', '42', '--out', f('grid.png'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /generated 80 images \(0-9 x 8, seed 42\) on cpu/);
  const png = PNG.sync.read(await fs.readFile(f('grid.png')));
  assert.equal(png.width, 8 * 28 + 9 * 2);
  assert.equal(png.height, 10 * 28 + 11 * 2);
});

test('--dtype fp16 runs the .fp16.onnx beside the model, and the shipped fp16 model by default', async () => {
  const r = await cgan('generate', model, '--dtype', 'fp16', '--labels', '1,2', '--seed', '4', '--raw', f('h.bin'));
  assert.equal(r.code, 0, r.stderr);
  const g = await Generator.load(f('g.fp16.onnx'), { device: 'cpu' });
  const want = (await g.generate({ labels: [1, 2], seed: 4 })).data;
  await g.dispose();
  const raw = await fs.readFile(f('h.bin'));
  assert.deepEqual(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4), want);
  const d = await cgan('generate', '--dtype', 'fp16', '--labels', '3', '--out', f('d16.png'));
  assert.equal(d.code, 0, d.stderr);
  const missing = await cgan('generate', f('only32.onnx'), '--dtype', 'fp16', '--labels', '3', '--out', f('x.png'));
  assert.match(missing.stderr, /only32.fp16.onnx does not exist/);
});

test('--labels 3,3,7 --noise z.bin --raw out.bin --device cpu: the model output, byte for byte', async () => {
  const r = await cgan(
    'generate',
    model,
    '--labels',
    '3,3,7',
    '--noise',
    f('z.bin'),
    '--raw',
    f('out.bin'),
    '--device',
    'cpu',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /on cpu/);
  const raw = await fs.readFile(f('out.bin'));
  assert.equal(raw.length, 3 * 28 * 28 * 4);
  const g = await Generator.load(model, { device: 'cpu' });
  const z = new Float32Array((await fs.readFile(f('z.bin'))).buffer.slice(0));
  const want = await g.generate({ labels: [3, 3, 7], noise: z });
  await g.dispose();
  assert.deepEqual(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length)), want.data);
});

const BAD: [string, string[], RegExp, number][] = [
  [
    'missing model',
    ['generate', 'nope.onnx', '--labels', '1', '--raw', 'o.bin'],
    /model file .*nope.onnx does not exist/,
    3,
  ],
  [
    'corrupt model',
    ['generate', 'junk.onnx', '--labels', '1', '--raw', 'o.bin'],
    /junk.onnx: not (a valid ONNX file|an ONNX model)/,
    3,
  ],
  [
    'truncated model',
    ['generate', 'cut.onnx', '--labels', '1', '--raw', 'o.bin'],
    /cut.onnx: not a valid ONNX file, or truncated/,
    3,
  ],
  [
    'not a generator',
    ['generate', 'other.onnx', '--labels', '1', '--raw', 'o.bin'],
    /other.onnx: not a cgan-onnx generator/,
    3,
  ],
  [
    'label outside the classes',
    ['generate', 'g.onnx', '--labels', '0-10', '--raw', 'o.bin'],
    /label 10 is outside the model's classes: it has 10 \(0-9\)/,
    2,
  ],
  [
    'label not an integer',
    ['generate', 'g.onnx', '--labels', '2.5', '--raw', 'o.bin'],
    /"2.5" is not a class index/,
    2,
  ],
  [
    'noise of the wrong size',
    ['generate', 'g.onnx', '--labels', '3,3,7', '--noise', 'short.bin', '--raw', 'o.bin'],
    new RegExp(
      String.raw`noise file .*short.bin has 128 bytes; 3 images x zDim 16 x 4 bytes \(float32\) need 192 ` +
        String.raw`\(it holds noise for 2 images\)`,
    ),
    3,
  ],
  [
    'noise with NaN',
    ['generate', 'g.onnx', '--labels', '3,3,7', '--noise', 'nan.bin', '--raw', 'o.bin'],
    /noise file .*nan.bin: value 17 \(image 1, dim 1\) is NaN/,
    3,
  ],
  ['nothing to write', ['generate', 'g.onnx', '--labels', '1'], /nothing to write/, 2],
  [
    'seed and noise',
    ['generate', 'g.onnx', '--labels', '1', '--seed', '1', '--noise', 'z.bin', '--raw', 'o.bin'],
    /either --seed or --noise/,
    2,
  ],
  [
    'unknown device',
    ['generate', 'g.onnx', '--labels', '1', '--raw', 'o.bin', '--device', 'tpu'],
    /--device.*tpu.*auto, cpu, cuda, webgpu/,
    2,
  ],
];

test('bad input: each names the problem and exits with its code', async () => {
  const cases = BAD.map(([, args]) => args.map((a) => (/\.(onnx|bin)$/.test(a) ? f(a) : a)));
  const results = await Promise.all(cases.map((args) => cgan(...args)));
  results.forEach((r, i) => {
    const [name, , re, code] = BAD[i];
    assert.equal(r.code, code, `${name}: exit code ${r.code}\n${r.stdout}${r.stderr}`);
    assert.match(r.stderr, re, `${name}`);
  });
});

test('an absent cuda is an error that says how to get it', async (t) => {
  if (!missingCudaLibrary()) return t.skip('the CUDA provider is installed here');
  const r = await cgan('generate', model, '--labels', '1', '--raw', f('o.bin'), '--device', 'cuda');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /device cuda is not available: .*ONNXRUNTIME_NODE_INSTALL=cuda12/);
  const fb = await cgan('generate', model, '--labels', '1', '--raw', f('o.bin'), '--device', 'cuda', '--fallback');
  assert.equal(fb.code, 0, fb.stderr);
  assert.match(fb.stderr, /cuda is not available, running on cpu/);
  assert.match(fb.stdout, /on cpu/);
});

test('no model named: the shipped model, found next to the package, not in the current directory', async () => {
  const r = await runCgan(['generate', '--labels', '1', '--raw', 'o.bin'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await fs.stat(path.join(dir, 'o.bin'))).size, 28 * 28 * 4);
});
