import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { testOnnx } from '../test/test-checkpoint.ts';
import { createServer, type Server } from '../serve/server.ts';
import { readOnnxSummary } from './model-info.ts';
import { Generator } from './node.ts';
import { isRemoteModelUrl } from './remote.ts';

const maxDiff = (x: Float32Array, y: Float32Array) => x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);

let local: Generator;
let bytes: Uint8Array;
const servers: { close(): Promise<void> }[] = [];

async function serve(opts: { maxImages?: number } = {}): Promise<{ s: Server; url: string }> {
  const s = await createServer(local, readOnnxSummary(bytes), { name: 'gen', maxDelayMs: 1, ...opts });
  const base = await s.app.listen({ port: 0, host: '127.0.0.1' });
  servers.push(s);
  return { s, url: `${base}/v2/models/gen` };
}

before(async () => {
  bytes = await testOnnx();
  local = await Generator.load(bytes, { device: 'cpu' });
});
after(async () => {
  for (const s of servers) await s.close();
  await local.dispose();
});

test('Generator.load(v2 URL) runs on the server with the local API and the local numbers', async () => {
  const { url } = await serve();
  const remote = await Generator.load(url);
  assert.ok(remote instanceof Generator);
  assert.equal(remote.device, 'remote');
  assert.deepEqual(remote.info.classNames, local.info.classNames);
  assert.equal(remote.info.zDim, local.info.zDim);
  assert.equal(remote.info.weightsHash, local.info.weightsHash);
  const a = await remote.generate({ labels: '0-9', seed: 42 });
  const b = await local.generate({ labels: '0-9', seed: 42 });
  assert.equal(a.device, 'remote');
  assert.deepEqual(a.noise, b.noise);
  // One request of 10 is one session run of 10 on the server, as locally: the same bits.
  assert.deepEqual(a.data, b.data);
  await assert.rejects(remote.generate({ labels: [12], seed: 1 }), /label 12 is outside the model's classes/);
  await remote.dispose();
});

test("larger requests than the server's max_batch_size go as several", async () => {
  const { s, url } = await serve({ maxImages: 4 });
  const remote = await Generator.load(url);
  const a = await remote.generate({ labels: '0-9', seed: 7 });
  const b = await local.generate({ labels: '0-9', seed: 7 });
  assert.ok(maxDiff(a.data, b.data) <= 1e-6, `differs by ${maxDiff(a.data, b.data)}`);
  const m = await s.metrics.registry.getSingleMetricAsString('cgan_requests_total');
  assert.match(m, /route="\/v2\/models\/:name\/infer",code="200"\} 3/, 'three requests: 4 + 4 + 2');
});

test('a Triton-shaped server (label [-1, 1], classes only in its config) works the same', async () => {
  const { s, url } = await serve();
  // Injected requests carry the served address as Host, as a real client's do (the server refuses others).
  const host = new URL(url).host;
  // Triton's answers for the repository `cgan export --triton` writes: metadata without
  // parameters, label dims [1] reported as [-1, 1], the configuration on /config.
  const meta = (await s.app.inject({ url: '/v2/models/gen', headers: { host } })).json();
  const shapes: number[][] = [];
  const binaryAnswers: boolean[] = [];
  const triton: FastifyInstance = Fastify();
  triton.get('/v2/models/gen', async () => ({
    ...meta,
    parameters: undefined,
    inputs: meta.inputs.map((i: { name: string; shape: number[] }) =>
      i.name === 'label' ? { ...i, shape: [-1, 1] } : i,
    ),
  }));
  triton.get('/v2/models/gen/config', async () =>
    (await s.app.inject({ url: '/v2/models/gen/config', headers: { host } })).json(),
  );
  triton.post('/v2/models/gen/infer', async (req, reply) => {
    shapes.push(
      (req.body as { inputs: { name: string; shape: number[] }[] }).inputs.find((i) => i.name === 'label')?.shape ?? [],
    );
    // Answer with JSON numbers, as a server without the binary extension would: the client copes.
    const { outputs: _asked, ...plain } = req.body as { outputs?: unknown };
    const r = await s.app.inject({ method: 'POST', url: '/v2/models/gen/infer', payload: plain, headers: { host } });
    binaryAnswers.push(r.headers['inference-header-content-length'] !== undefined);
    for (const h of ['content-type', 'inference-header-content-length'])
      if (r.headers[h]) reply.header(h, r.headers[h]);
    return reply.code(r.statusCode).send(r.rawPayload);
  });
  const base = await triton.listen({ port: 0, host: '127.0.0.1' });
  servers.push(triton);
  const remote = await Generator.load(`${base}/v2/models/gen`);
  const a = await remote.generate({ labels: [3, 1, 4], seed: 9 });
  assert.deepEqual(shapes, [[3, 1]], 'labels sent as the server describes them');
  assert.deepEqual(binaryAnswers, [false]);
  assert.deepEqual(a.data, (await local.generate({ labels: [3, 1, 4], seed: 9 })).data);
});

test('remote errors say what went wrong', async () => {
  const { url } = await serve();
  await assert.rejects(
    Generator.load(url.replace(/gen$/, 'nope')),
    /HTTP 404: model "nope" is not served here; this server serves "gen"/,
  );
  await assert.rejects(
    Generator.load('http://127.0.0.1:9/v2/models/gen'),
    /http:\/\/127.0.0.1:9\/v2\/models\/gen: cannot reach it .*is the server running/,
  );
  assert.ok(isRemoteModelUrl('http://host:8000/v2/models/mnist-cwgan'));
  assert.ok(isRemoteModelUrl('https://host/v2/models/m/versions/1/'));
  assert.ok(!isRemoteModelUrl('http://host:8000/models/mnist-cwgan.onnx'));
  assert.ok(!isRemoteModelUrl('models/v2/models/x'));
});
