import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { testOnnx } from '../test/test-checkpoint.ts';
import { renderGrid } from '../runtime/images.ts';
import { repeatLabels } from '../runtime/labels.ts';
import { readOnnxSummary } from '../runtime/model-info.ts';
import { Generator, encodePng } from '../runtime/node.ts';
import { noiseFromSeed } from '../runtime/random.ts';
import { createServer, type Server } from './server.ts';

let bytes: Uint8Array;
let g: Generator;
let s: Server;
const ZDIM = 16;

before(async () => {
  bytes = await testOnnx();
  g = await Generator.load(bytes, { device: 'cpu' });
  s = await createServer(g, readOnnxSummary(bytes), {
    name: 'gen',
    maxImages: 8,
    maxBodyBytes: 64 * 1024,
    maxDelayMs: 1,
  });
});
after(async () => {
  await s.close();
  await g.dispose();
});

const infer = (body: unknown, url = '/v2/models/gen/infer') =>
  s.app.inject({
    method: 'POST',
    url,
    payload: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'text/plain' },
  });
const request = (
  n: number,
  labels: unknown[] = Array.from({ length: n }, (_, i) => i % 10),
  z: unknown[] = Array.from(noiseFromSeed(3, n, ZDIM)),
) => ({
  inputs: [
    { name: 'z', shape: [n, ZDIM], datatype: 'FP32', data: z },
    { name: 'label', shape: [n], datatype: 'INT64', data: labels },
  ],
});

test('infer answers the v2 response with exactly the images the generator makes', async () => {
  const r = await infer({ id: 'a1', ...request(3, [3, 3, 7]) });
  assert.equal(r.statusCode, 200, r.body);
  const body = r.json();
  assert.equal(body.model_name, 'gen');
  assert.equal(body.id, 'a1');
  const [out] = body.outputs;
  assert.deepEqual([out.name, out.datatype, out.shape], ['image', 'FP32', [3, 1, 28, 28]]);
  const local = await g.generate({ labels: [3, 3, 7], noise: noiseFromSeed(3, 3, ZDIM) });
  assert.deepEqual(Float32Array.from(out.data), local.data, 'JSON numbers parse back to the same float32 values');
  // Labels as [n, 1] (Triton's layout) and nested data are the same request.
  const nested = request(3, [[3], [3], [7]]);
  nested.inputs[1].shape = [3, 1];
  const r2 = await infer(nested, '/v2/models/gen/versions/1/infer');
  assert.equal(r2.statusCode, 200, r2.body);
  assert.deepEqual(r2.json().outputs[0].data, out.data);
  // The binary tensor extension: a JSON header of the stated length, then the raw float32 bytes.
  const r3 = await infer({ ...request(3, [3, 3, 7]), outputs: [{ name: 'image', parameters: { binary_data: true } }] });
  assert.equal(r3.statusCode, 200, r3.body);
  const headLen = Number(r3.headers['inference-header-content-length']);
  const head = JSON.parse(r3.rawPayload.subarray(0, headLen).toString());
  assert.deepEqual(head.outputs[0].parameters, { binary_data_size: 3 * 784 * 4 });
  assert.equal(head.outputs[0].data, undefined);
  const raw = r3.rawPayload.subarray(headLen);
  assert.deepEqual(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)), local.data);
});

test('bad requests get 400 with an error that names the field', async () => {
  const cases: [unknown, RegExp][] = [
    ['{"inputs": [', /^the request body is not valid JSON: /],
    ['', /not valid JSON: it is empty/],
    [[], /must be a JSON object with an "inputs" array/],
    [
      { inputs: [{ name: 'noise', shape: [1, ZDIM], datatype: 'FP32', data: [] }] },
      /inputs\[0\]\.name "noise" is not an input of gen; its inputs are z, label/,
    ],
    [{ inputs: [request(1).inputs[0]] }, /"inputs" has no "label"/],
    [
      { inputs: [{ ...request(1).inputs[0], datatype: 'FP64' }, request(1).inputs[1]] },
      /inputs\[0\]\.datatype is "FP64"; input "z" takes FP32/,
    ],
    [
      { inputs: [{ ...request(1).inputs[0], shape: [1, 8] }, request(1).inputs[1]] },
      /inputs\[0\]\.shape is \[1, 8\]; input "z" takes \[n, 16\]/,
    ],
    [
      { inputs: [request(2).inputs[0], { ...request(2).inputs[1], shape: [3], data: [1, 2, 3] }] },
      /inputs\[1\]\.shape says 3 images but inputs\[0\] \(z\) has 2/,
    ],
    [request(1, [10]), /inputs\[1\]\.data: label 10 is outside the model's classes: it has 10 \(0-9\)/],
    [request(1, [1.5]), /inputs\[1\]\.data: labels\[0\] is 1.5/],
    [
      request(1, [1], [...Array(ZDIM - 1).fill(0), 'NaN']),
      /inputs\[0\]\.data\[15\] \(image 0, dim 15\) is "NaN"; noise must be finite/,
    ],
    [request(1, [1], [null, ...Array(ZDIM - 1).fill(0)]), /inputs\[0\]\.data\[0\] .* is null/],
    [request(1, [1], [1, 2]), /inputs\[0\]\.data has 2 values; shape \[1, 16\] needs 16/],
    [
      { ...request(1), outputs: [{ name: 'logits' }] },
      /outputs\[0\]\.name "logits" is not an output of gen; its outputs are image/,
    ],
  ];
  for (const [body, want] of cases) {
    const r = await infer(body);
    assert.equal(r.statusCode, 400, `${JSON.stringify(body).slice(0, 80)} -> ${r.statusCode} ${r.body}`);
    assert.match(r.json().error, want);
  }
  const wrongModel = await infer(request(1), '/v2/models/other/infer');
  assert.equal(wrongModel.statusCode, 404);
  assert.match(wrongModel.json().error, /model "other" is not served here; this server serves "gen"/);
});

test('limits: images per request and body size get 413; counted in /metrics', async () => {
  const many = await infer(request(9));
  assert.equal(many.statusCode, 413);
  assert.match(many.json().error, /asks for 9 images; this server takes at most 8 per request \(--max-images\)/);
  const big = await infer({ ...request(1), pad: 'x'.repeat(70 * 1024) });
  assert.equal(big.statusCode, 413);
  assert.match(big.json().error, /larger than this server's limit of 65536 bytes \(--max-body-bytes\)/);
  const m = (await s.app.inject({ url: '/metrics' })).body;
  assert.match(m, /cgan_request_errors_total\{route="\/v2\/models\/:name\/infer",reason="too_large"\} 2/);
  assert.match(m, /cgan_requests_total\{route="\/v2\/models\/:name\/infer",code="400"\} \d+/);
  assert.match(m, /cgan_batch_images_bucket\{le="4"\} \d+/);
  assert.match(m, /cgan_queue_depth_images 0/);
  assert.match(m, /cgan_request_duration_seconds_bucket\{le="0.1",route="\/v2\/models\/:name\/infer"\} \d+/);
  assert.match(m, /cgan_process_resident_memory_bytes \d+/);
});

test('health, server and model metadata, and the Triton-style config describe the model', async () => {
  assert.deepEqual((await s.app.inject({ url: '/v2/health/live' })).json(), { live: true });
  assert.deepEqual((await s.app.inject({ url: '/v2/health/ready' })).json(), { ready: true });
  assert.deepEqual((await s.app.inject({ url: '/v2' })).json().extensions, ['model_configuration']);
  const meta = (await s.app.inject({ url: '/v2/models/gen' })).json();
  assert.deepEqual(meta.inputs, [
    { name: 'z', datatype: 'FP32', shape: [-1, ZDIM] },
    { name: 'label', datatype: 'INT64', shape: [-1] },
  ]);
  assert.deepEqual(meta.outputs, [{ name: 'image', datatype: 'FP32', shape: [-1, 1, 28, 28] }]);
  assert.equal(meta.parameters.num_classes, '10');
  const config = (await s.app.inject({ url: '/v2/models/gen/config' })).json();
  assert.equal(config.max_batch_size, 8);
  assert.equal(config.parameters.z_dim.string_value, String(ZDIM));
  assert.equal((await s.app.inject({ url: '/v2/models/gen/versions/2' })).statusCode, 404);
});

test('the PNG route draws what `cgan generate --labels --count --seed` draws', async () => {
  const r = await s.app.inject({ url: '/v1/png?labels=2-3&seed=42&count=3&scale=2' });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.headers['content-type'], 'image/png');
  const local = await g.generate({ labels: repeatLabels([2, 3], 3), seed: 42 });
  assert.ok(r.rawPayload.equals(encodePng(renderGrid(local, { cols: 3, scale: 2 }))), 'same PNG bytes');
  const bad = await s.app.inject({ url: '/v1/png?labels=0-12' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().error, /query "labels": label 10 is outside the model's classes/);
  assert.match(
    (await s.app.inject({ url: '/v1/png?seed=-1' })).json().error,
    /query "seed" must be an integer in \[0, 4294967295\]/,
  );
  assert.equal((await s.app.inject({ url: '/v1/png?labels=0-9&count=2' })).statusCode, 413);
});

/**
 * A server whose model is held: one request of 1 image runs and blocks until release(), so later
 * requests wait in the queue (to fill it, time them out, or hang up on them).
 */
async function stalledServer(opts: { maxQueue?: number; timeoutMs?: number }) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let running = false;
  const held = Object.create(g) as Generator;
  held.generate = async (req) => {
    running = true;
    await gate;
    return g.generate(req);
  };
  const server = await createServer(held, readOnnxSummary(bytes), {
    name: 'gen',
    maxBatch: 4,
    maxDelayMs: 0,
    maxImages: 3,
    ...opts,
  });
  const blocker = server.app.inject({
    method: 'POST',
    url: '/v2/models/gen/infer',
    payload: JSON.stringify(request(1)),
  });
  for (let i = 0; i < 500 && !running; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(running, 'the blocking request is running');
  return { server, release, blocker };
}

const waitFor = async (cond: () => boolean) => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
};

test('a full queue answers 503 + Retry-After; a request past its timeout gets 504 and leaves the queue', async () => {
  const { server: held, release, blocker } = await stalledServer({ maxQueue: 3, timeoutMs: 300 });
  try {
    const first = held.app.inject({ method: 'POST', url: '/v2/models/gen/infer', payload: JSON.stringify(request(3)) });
    await waitFor(() => held.batcher.depth > 0);
    assert.equal(held.batcher.depth, 3);
    const full = await held.app.inject({
      method: 'POST',
      url: '/v2/models/gen/infer',
      payload: JSON.stringify(request(1)),
    });
    assert.equal(full.statusCode, 503);
    assert.equal(full.headers['retry-after'], '1');
    assert.match(full.json().error, /the queue is full \(3 of 3 images waiting\)/);
    const timedOut = await first;
    assert.equal(timedOut.statusCode, 504);
    assert.match(timedOut.json().error, /longer than the server's limit of 300 ms \(--timeout-ms\)/);
    assert.equal(held.batcher.depth, 0, 'the timed-out request left the queue');
  } finally {
    release();
    await blocker;
    await held.close();
  }
});

test('a client that hangs up takes its request off the queue; it is never run', async () => {
  const { server: held, release, blocker } = await stalledServer({ timeoutMs: 60_000 });
  await held.app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const { port } = held.app.server.address() as { port: number };
    const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/v2/models/gen/infer' });
    req.on('error', () => {});
    req.end(JSON.stringify(request(2)));
    await waitFor(() => held.batcher.depth > 0);
    assert.equal(held.batcher.depth, 2);
    req.destroy();
    await waitFor(() => held.batcher.depth === 0);
    assert.equal(held.batcher.depth, 0);
    // A client gone before its body was even parsed (sent, then closed at once) is never queued.
    const gone = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/v2/models/gen/infer' });
    gone.on('error', () => {});
    gone.end(JSON.stringify(request(3)), () => gone.destroy());
    await new Promise((r) => setTimeout(r, 300));
    release();
    assert.equal((await blocker).statusCode, 200);
    await held.batcher.idle();
    const m = await held.metrics.registry.getSingleMetricAsString('cgan_request_errors_total');
    assert.match(m, /reason="cancelled"\} [12]/);
    assert.match(
      await held.metrics.registry.getSingleMetricAsString('cgan_images_generated_total'),
      /total 1$/m,
      'only the blocking request (1 image) ran',
    );
  } finally {
    release();
    await held.close();
  }
});

test('--cors: pages from the named origins may call it and read the binary header; others get none', async () => {
  const open = await createServer(g, readOnnxSummary(bytes), { name: 'gen', cors: ['http://localhost:4173'] });
  try {
    const pre = await open.app.inject({
      method: 'OPTIONS',
      url: '/v2/models/gen/infer',
      headers: { origin: 'http://localhost:4173', 'access-control-request-method': 'POST' },
    });
    assert.equal(pre.statusCode, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'http://localhost:4173');
    const r = await open.app.inject({ url: '/v2/models/gen', headers: { origin: 'http://localhost:4173' } });
    assert.match(String(r.headers['access-control-expose-headers']), /inference-header-content-length/);
    const other = await open.app.inject({ url: '/v2/models/gen', headers: { origin: 'http://evil.example' } });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    const none = await s.app.inject({ url: '/v2/models/gen', headers: { origin: 'http://localhost:4173' } });
    assert.equal(none.headers['access-control-allow-origin'], undefined, 'no CORS unless --cors says so');
  } finally {
    await open.close();
  }
});

test('bound to 127.0.0.1, it refuses a foreign Host (DNS rebinding) with 421, and answers its own names', async () => {
  const own = await createServer(g, readOnnxSummary(bytes), { name: 'gen' });
  await own.app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const { port } = own.app.server.address() as { port: number };
    const get = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({ port, host: '127.0.0.1', path: '/v2/health/ready', headers: { host } }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    const foreign = await get(`evil.example:${port}`);
    assert.equal(foreign.status, 421);
    assert.match(JSON.parse(foreign.body).error, /Host "evil\.example:\d+" is not this server; use 127\.0\.0\.1:\d+/);
    for (const name of [`127.0.0.1:${port}`, `localhost:${port}`]) assert.equal((await get(name)).status, 200, name);
  } finally {
    await own.close();
  }
});
