/**
 * An RGB model of named classes through every serving path: the v2 metadata gives its real output
 * shape, infer takes class names (BYTES) beside indices, /v1/png draws in colour by name, the
 * remote client draws what the local runtime draws, and the Triton config's dims come from the model.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import { fixtureModel } from '../test/fixture-model.ts';
import { readOnnxSummary } from '../runtime/model-info.ts';
import { Generator } from '../runtime/node.ts';
import { createServer, type Server } from './server.ts';
import { tritonConfig } from './triton.ts';

const NAMES = ['cat', 'dog', 'T-shirt, top'];
let bytes: Uint8Array;
let g: Generator;
let s: Server;
let base: string;

before(async () => {
  bytes = fixtureModel({ imageSize: 32, channels: 3, numClasses: 3, classNames: NAMES, genChannels: 8 });
  g = await Generator.load(bytes, { device: 'cpu' });
  s = await createServer(g, readOnnxSummary(bytes), { name: 'rgb', maxDelayMs: 1 });
  base = await s.app.listen({ port: 0, host: '127.0.0.1' });
});
after(async () => {
  await s.close();
  await g.dispose();
});

test('v2 metadata gives the 3-channel output shape and the class names', async () => {
  const meta = (await (await fetch(`${base}/v2/models/rgb`)).json()) as {
    outputs: { name: string; shape: number[] }[];
    parameters: Record<string, string>;
  };
  assert.deepEqual(meta.outputs[0].shape, [-1, 3, 32, 32]);
  assert.deepEqual(JSON.parse(meta.parameters.class_names), NAMES);
  assert.equal(meta.parameters.channels, '3');
});

test('infer takes class names as BYTES and gives what indices give; an unknown name lists the classes', async () => {
  const infer = (label: { name: string; datatype: string; shape: number[]; data: unknown[] }) => {
    const n = label.shape[0];
    const z = Array.from({ length: n * 128 }, (_, i) => Math.sin(i));
    return fetch(`${base}/v2/models/rgb/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'z', datatype: 'FP32', shape: [n, 128], data: z }, label] }),
    });
  };
  const byName = await infer({ name: 'label', datatype: 'BYTES', shape: [2], data: ['T-shirt, top', 'cat'] });
  const byIndex = await infer({ name: 'label', datatype: 'INT64', shape: [2], data: [2, 0] });
  assert.equal(byName.status, 200);
  const [a, b] = [await byName.json(), await byIndex.json()] as { outputs: { shape: number[]; data: number[] }[] }[];
  assert.deepEqual(a.outputs[0].shape, [2, 3, 32, 32]);
  assert.deepEqual(a.outputs[0].data, b.outputs[0].data);
  const bad = await infer({ name: 'label', datatype: 'BYTES', shape: [1], data: ['cow'] });
  assert.equal(bad.status, 400);
  assert.match(
    ((await bad.json()) as { error: string }).error,
    /"cow" is not a class of this model; its classes are "cat", "dog", "T-shirt, top"/,
  );
  const mixed = await infer({ name: 'label', datatype: 'INT64', shape: [1], data: ['cat'] });
  assert.equal(mixed.status, 400);
  assert.match(
    ((await mixed.json()) as { error: string }).error,
    /data\[0\] is "cat"; labels must be integer numbers \(class indices 0-2; send datatype BYTES for class names\)/,
  );
});

test('/v1/png draws an RGB grid by class name', async () => {
  const res = await fetch(`${base}/v1/png?labels=${encodeURIComponent('dog,"T-shirt, top"')}&count=2&seed=3`);
  assert.equal(res.status, 200);
  const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
  assert.deepEqual([png.width, png.height], [2 * 32 + 3 * 2, 2 * 32 + 3 * 2]);
  let coloured = 0;
  for (let i = 0; i < png.data.length; i += 4) if (png.data[i] !== png.data[i + 1]) coloured++;
  assert.ok(coloured > 1000, `only ${coloured} pixels have colour`);
});

test('the remote client loads the RGB model and draws by name what the local runtime draws', async () => {
  const remote = await Generator.load(`${base}/v2/models/rgb`);
  assert.deepEqual([remote.info.channels, remote.info.imageSize, remote.info.classNames], [3, 32, NAMES]);
  const a = await remote.generate({ labels: 'dog,cat', seed: 5 });
  const b = await g.generate({ labels: [1, 0], seed: 5 });
  assert.equal(a.channels, 3);
  assert.ok(a.data.every((v, i) => Math.abs(v - b.data[i]) <= 1e-6));
  await assert.rejects(remote.generate({ labels: 'cow', seed: 1 }), /"cow" is not a class of this model/);
});

test('the Triton config takes its dims from the model: image [3, 32, 32]', () => {
  const c = tritonConfig('rgb', readOnnxSummary(bytes)) as unknown as { output: { name: string; dims: number[] }[] };
  assert.deepEqual(c.output[0].dims, [3, 32, 32]);
});
