/**
 * Hostile clients against `cgan serve`'s server (issue 34), one row per case: one client's request
 * never fails another's, no request stalls the server or grows its memory without bound, malformed
 * bodies are 400s that say why, and slow or vanished clients cost nothing.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { BadModelError } from '../runtime/errors.ts';
import { readOnnxSummary } from '../runtime/model-info.ts';
import { Generator } from '../runtime/node.ts';
import { noiseFromSeed } from '../runtime/random.ts';
import { testOnnx } from '../test/test-checkpoint.ts';
import { createServer, type Server } from './server.ts';

const ZDIM = 16;
/** Noise the stand-in model below cannot compute: within the request bound, so only a run finds out. */
const POISON = 999.5;
let bytes: Uint8Array;
let g: Generator;
let s: Server;
let runs: number[] = [];

/** The test generator, except that noise holding POISON makes it fail as a real overflow does. */
function poisonable(base: Generator): Generator {
  const m = Object.create(base) as Generator;
  m.generate = async (req) => {
    runs.push(req.labels.length as number);
    if (req.noise && (req.noise as Float32Array).includes(POISON))
      throw new BadModelError('the model output NaN for image 0 (...): its weights are damaged');
    return base.generate(req);
  };
  return m;
}

before(async () => {
  bytes = await testOnnx();
  g = await Generator.load(bytes, { device: 'cpu' });
  s = await createServer(poisonable(g), readOnnxSummary(bytes), {
    name: 'gen',
    maxImages: 16,
    maxBodyBytes: 4 * 1024 * 1024,
    maxDelayMs: 50,
    maxPngPixels: 3_000_000,
  });
});
after(async () => {
  await s?.close();
  await g?.dispose();
});

const body = (
  n: number,
  z: unknown[] = Array.from(noiseFromSeed(5, n, ZDIM)),
  labels: unknown[] = Array(n).fill(3),
) => ({
  inputs: [
    { name: 'z', shape: [n, ZDIM], datatype: 'FP32', data: z },
    { name: 'label', shape: [n], datatype: 'INT64', data: labels },
  ],
});
const infer = (payload: unknown, headers: Record<string, string> = {}) =>
  s.app.inject({
    method: 'POST',
    url: '/v2/models/gen/infer',
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    headers: { 'content-type': 'application/json', ...headers },
  });
const withValue = (v: unknown) => {
  const z: unknown[] = Array.from(noiseFromSeed(5, 1, ZDIM));
  z[7] = v;
  return body(1, z);
};

describe('one client never fails another (bad 1)', () => {
  const rows: { name: string; bad: unknown; status: number; error: RegExp }[] = [
    {
      name: 'noise finite as a JSON number, infinite as float32',
      bad: withValue(1e39),
      status: 400,
      error: /data\[7\] \(image 0, dim 7\) is 1e\+39, infinite as float32; noise must be finite numbers within \[-1000/,
    },
    {
      name: 'noise large enough to overflow the model',
      bad: withValue(3e38),
      status: 400,
      error: /is 3e\+38; noise must be finite numbers within \[-1000, 1000\]/,
    },
    {
      name: 'noise within the bound that the model still cannot compute',
      bad: withValue(POISON),
      status: 400,
      error: /this request's input is outside what the model can compute .* while the requests batched with it ran/,
    },
  ];
  for (const row of rows) {
    test(`${row.name}: 400 for it alone, 200 for the four batched with it`, async () => {
      runs = [];
      const answers = await Promise.all([
        infer(body(1)),
        infer(body(2)),
        infer(row.bad),
        infer(body(3)),
        infer(body(1)),
      ]);
      const codes = answers.map((a) => a.statusCode);
      assert.deepEqual(codes, [200, 200, row.status, 200, 200], answers.map((a) => a.body.slice(0, 200)).join('\n'));
      const err = answers[2].json().error as string;
      assert.match(err, row.error);
      assert.doesNotMatch(err, /weights are damaged|copy or export the model/);
      for (const [i, n] of [
        [0, 1],
        [1, 2],
        [3, 3],
        [4, 1],
      ])
        assert.equal(answers[i].json().outputs[0].shape[0], n, `request ${i} got its own ${n} images`);
    });
  }
  test('a failed batch runs each request alone (the runs show it); all failing alone is the model: 500', async () => {
    runs = [];
    const answers = await Promise.all([infer(body(2)), infer(withValue(POISON))]);
    assert.deepEqual(
      answers.map((a) => a.statusCode),
      [200, 400],
    );
    assert.deepEqual(runs, [3, 2, 1], 'the batch of 3 images, then each request alone');
    const both = await Promise.all([infer(withValue(POISON)), infer(withValue(POISON))]);
    assert.deepEqual(
      both.map((a) => a.statusCode),
      [500, 500],
    );
    assert.match(both[0].json().error, /the server failed to generate/);
  });
});

describe('malformed bodies are 400s that say why', () => {
  const label = JSON.stringify(body(1).inputs[1]);
  const deep =
    `{"inputs":[{"name":"z","shape":[1,${ZDIM}],"datatype":"FP32",` +
    `"data":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}},${label}]}`;
  const rows: { name: string; payload: unknown; headers?: Record<string, string>; error: RegExp }[] = [
    {
      name: 'a string label is quoted',
      payload: body(1, undefined, ['3']),
      error: new RegExp(
        String.raw`inputs\[1\]\.data\[0\] is "3"; labels must be integer numbers ` +
          String.raw`\(class indices 0-9; send datatype BYTES for class names\)`,
      ),
    },
    {
      name: '1,000,000-deep nested data',
      payload: deep,
      error: /inputs\[0\]\.data: it is nested deeper than its shape's 2 dimensions \[1, 16\]/,
    },
    {
      name: 'data nested one level deeper than the shape',
      payload: body(1, [Array.from(noiseFromSeed(1, 1, ZDIM), (v) => [v])]),
      error: /inputs\[0\]\.data: it is nested deeper than its shape's 2 dimensions/,
    },
    {
      name: 'a binary-input request (Inference-Header-Content-Length)',
      payload: '{"inputs":[]}\u0000\u0001\u0002\u0003',
      headers: { 'inference-header-content-length': '13' },
      error: /binary inputs are not supported \(the request has inference-header-content-length\)/,
    },
    {
      name: 'an input declared binary in its parameters',
      payload: { inputs: [{ ...body(1).inputs[0], parameters: { binary_data_size: 64 } }, body(1).inputs[1]] },
      error: /inputs\[0\]: binary inputs are not supported; send the values as JSON numbers in "data"/,
    },
  ];
  for (const row of rows) {
    test(row.name, async () => {
      const r = await infer(row.payload, row.headers);
      assert.equal(r.statusCode, 400, r.body.slice(0, 300));
      assert.match(r.json().error, row.error);
    });
  }
});

describe('no single request stalls the server (bad 2)', () => {
  test('a PNG over --max-png-pixels is 413 before anything is generated', async () => {
    runs = [];
    const r = await s.app.inject({ url: '/v1/png?labels=0&count=16&scale=16' });
    assert.equal(r.statusCode, 413);
    assert.match(
      r.json().error,
      /the grid would have 3255304 pixels; this server draws at most 3000000 per PNG \(--max-png-pixels\)/,
    );
    assert.deepEqual(runs, [], 'no image was generated');
  });
  test('PNG encoding runs off the event loop: its delay stays small while a large grid is drawn', async () => {
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    const r = await s.app.inject({ url: '/v1/png?labels=0-3&count=4&scale=15' }); // 2,856,100 pixels
    h.disable();
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-type'], 'image/png');
    assert.ok(r.rawPayload.subarray(1, 4).toString() === 'PNG');
    // Drawn and encoded on this thread, the same grid blocks it for ~300 ms (measured, 2-core machine).
    assert.ok(h.max / 1e6 < 120, `event loop blocked for ${(h.max / 1e6).toFixed(0)} ms`);
  });
});

describe('slow and vanished clients', () => {
  test('a body sent too slowly is cut off at --timeout-ms (checked every second), not ~90 s later', async () => {
    const slow = await createServer(g, readOnnxSummary(bytes), { name: 'gen', timeoutMs: 1000, maxDelayMs: 0 });
    await slow.app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = slow.app.server.address() as net.AddressInfo;
      const t0 = performance.now();
      const sock = net.connect(port, '127.0.0.1');
      sock.on('error', () => {});
      sock.write(`POST /v2/models/gen/infer HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 1000\r\n\r\n{`);
      const drip = setInterval(() => sock.writable && sock.write(' '), 100);
      let answer = '';
      sock.on('data', (d) => (answer += d));
      await new Promise((r) => sock.on('close', r));
      clearInterval(drip);
      const ms = performance.now() - t0;
      assert.ok(ms < 4000, `closed after ${Math.round(ms)} ms`);
      assert.match(answer, /^HTTP\/1\.1 408/);
    } finally {
      await slow.close();
    }
  });
});
