/**
 * The remote generator against servers that misbehave (issue 34, bad 5): one row per answer. Every
 * load or generate ends within its timeout or on its AbortSignal, reads no more than its cap, and
 * fails with a RemoteError that names the URL and what was wrong, never a raw SyntaxError and never
 * advice about a local model file.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createServer as createCganServer } from '../serve/server.ts';
import { testOnnx } from '../test/test-checkpoint.ts';
import { readOnnxSummary } from './model-info.ts';
import { Generator } from './node.ts';
import { RemoteError } from './remote.ts';

/** What each route answers; rows replace one. */
type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
let meta: string;
let config: string;
let handlers: Record<string, Handler>;
let server: http.Server;
let base: string;

const json =
  (body: string): Handler =>
  (_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
/** A binary infer answer for n images: a JSON header, then the float32 values. */
function binary(n: number, opts: { values?: (i: number) => number; header?: string; cut?: number } = {}): Handler {
  return (req, res) => {
    req.resume();
    const head = Buffer.from(
      JSON.stringify({
        model_name: 'gen',
        outputs: [
          { name: 'image', datatype: 'FP32', shape: [n, 1, 28, 28], parameters: { binary_data_size: n * 784 * 4 } },
        ],
      }),
    );
    const values = Float32Array.from({ length: n * 784 }, (_, i) => opts.values?.(i) ?? 0.5);
    const body = Buffer.concat([head, Buffer.from(values.buffer)]).subarray(0, opts.cut);
    res.writeHead(200, { 'inference-header-content-length': opts.header ?? String(head.length) }).end(body);
  };
}

before(async () => {
  const bytes = await testOnnx();
  const g = await Generator.load(bytes, { device: 'cpu' });
  const real = await createCganServer(g, readOnnxSummary(bytes), { name: 'gen' });
  meta = (await real.app.inject({ url: '/v2/models/gen' })).body;
  config = (await real.app.inject({ url: '/v2/models/gen/config' })).body;
  await real.close();
  await g.dispose();
  server = http.createServer((req, res) => {
    const route = (req.url ?? '').replace(/^\/v2\/models\/gen/, '') || '/';
    (handlers[route] ?? ((_q, r) => r.writeHead(404).end()))(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/models/gen`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const never: Handler = () => {}; // accepts, never answers
const endless: Handler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const pump = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
};

interface Row {
  name: string;
  routes: Record<string, Handler>;
  /** Fails at load, or (with a good load) at generate. */
  at: 'load' | 'generate';
  error: RegExp;
  signal?: () => AbortSignal;
}

const rows: Row[] = [
  {
    name: 'a server that accepts and never answers',
    routes: { '/': never },
    at: 'load',
    error: /\/v2\/models\/gen: no answer within 1500 ms \(timeoutMs\)/,
  },
  {
    name: 'the caller aborts',
    routes: { '/': never },
    at: 'load',
    error: /stop now/,
    signal: () => AbortSignal.abort(new Error('stop now')),
  },
  {
    name: 'a 1.5 GB metadata answer (announced)',
    routes: { '/': (_q, r) => r.writeHead(200, { 'content-length': String(1.5e9) }).write('{') },
    at: 'load',
    error: /the answer is 1500000000 bytes, over the 4194304-byte limit for it/,
  },
  {
    name: 'an endless metadata answer (chunked)',
    routes: { '/': endless },
    at: 'load',
    error: /the answer is over 4194304 bytes, over the 4194304-byte limit/,
  },
  {
    name: 'metadata that is not JSON',
    routes: { '/': json('<html>hello') },
    at: 'load',
    error: /its model metadata is not JSON \(.*\): is this a KServe v2 \/ Triton server\?/,
  },
  {
    name: 'metadata without tensors',
    routes: { '/': json('{"inputs":[{"name":1}]}') },
    at: 'load',
    error: /did not answer with v2 model metadata/,
  },
  {
    name: 'an infer answer that never comes',
    routes: { '/infer': never },
    at: 'generate',
    error: /gen\/infer: no answer within 1500 ms/,
  },
  {
    name: 'an infer answer that is not JSON',
    routes: { '/infer': json('not json') },
    at: 'generate',
    error: /gen\/infer: its infer answer is not JSON/,
  },
  {
    name: 'a binary header length that is not a number',
    routes: { '/infer': binary(2, { header: 'abc' }) },
    at: 'generate',
    error: /the infer answer says its JSON header is "abc" bytes/,
  },
  {
    name: 'a binary header length past the body',
    routes: { '/infer': binary(2, { header: '99999999' }) },
    at: 'generate',
    error: /the infer answer says its JSON header is "99999999" bytes, but the body has \d+/,
  },
  {
    name: 'a short binary body',
    routes: { '/infer': binary(2, { cut: 3000 }) },
    at: 'generate',
    error: /the infer answer is short: 3000 bytes, the header announces \d+/,
  },
  {
    name: 'image values outside [-1, 1]',
    routes: { '/infer': binary(2, { values: (i) => (i === 5 ? 2 : 0) }) },
    at: 'generate',
    error: /the infer answer has image value 2 at index 5; a generator's are in \[-1, 1\]/,
  },
  {
    name: 'NaN image values',
    routes: { '/infer': binary(2, { values: (i) => (i === 9 ? Number.NaN : 0) }) },
    at: 'generate',
    error: /the infer answer has image value NaN at index 9/,
  },
  {
    name: 'an endless infer answer',
    routes: { '/infer': endless },
    at: 'generate',
    error: /gen\/infer: the answer is over \d+ bytes/,
  },
];

describe('a hostile server cannot hang or flood the remote generator', { concurrency: false }, () => {
  for (const row of rows) {
    test(row.name, async () => {
      handlers = { '/': json(meta), '/config': json(config), '/infer': binary(2), ...row.routes };
      const t0 = performance.now();
      const opts = { timeoutMs: 1500, signal: row.signal?.() };
      const run = async () => {
        const g = await Generator.load(base, opts);
        if (row.at === 'load') assert.fail('the load should have failed');
        await g.generate({ labels: [1, 2], seed: 1 });
      };
      await assert.rejects(run(), (e: Error) => {
        assert.match(e.message, row.error);
        if (!row.signal) assert.ok(e instanceof RemoteError, `${e.name}: ${e.message}`);
        assert.doesNotMatch(e.message, /SyntaxError|weights are damaged|export the model|copy or export/);
        return true;
      });
      assert.ok(performance.now() - t0 < 8000, `took ${Math.round(performance.now() - t0)} ms`);
    });
  }
  test('a well-behaved answer still works (the rows above fail for their reason only)', async () => {
    handlers = { '/': json(meta), '/config': json(config), '/infer': binary(2) };
    const g = await Generator.load(base, { timeoutMs: 1500 });
    const im = await g.generate({ labels: [1, 2], seed: 1 });
    assert.equal(im.data[0], 0.5);
  });
});
