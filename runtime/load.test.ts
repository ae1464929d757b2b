/**
 * Loading in Node from a path, a file: URL, bytes and an http URL (a local server): progress, the
 * fp16 file (`dtype`), the size cap, AbortSignal for load and generate, dispose twice, PNG helpers.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import { fp16Path } from '../export/export.ts';
import { testOnnx } from '../test/test-checkpoint.ts';
import { fetchModel, withDtype, type LoadProgress } from './model-source.ts';
import { Generator, encodePng } from './node.ts';

let fp32: Uint8Array;
let fp16: Uint8Array;
let dir: string;
let server: Server;
let base: string;
const hits: string[] = [];
const open = new Set<ServerResponse>();

/** Routes: /m.onnx, /m.fp16.onnx, /chunked.onnx (no length; in 8 chunks), /stall, /silent, /huge, 404. */
function route(url: string, res: ServerResponse): void {
  open.add(res);
  res.on('close', () => open.delete(res));
  const send = (bytes: Uint8Array, sized = true) => {
    res.writeHead(200, sized ? { 'content-length': bytes.byteLength } : {});
    const step = Math.ceil(bytes.byteLength / 8);
    let at = 0;
    const next = () => {
      if (at >= bytes.byteLength) return res.end();
      res.write(bytes.subarray(at, at + step));
      at += step;
      setTimeout(next, 5); // separate chunks, so progress has several steps
    };
    next();
  };
  const pathname = url.split('?')[0];
  const file = { '/m.onnx': fp32, '/m.fp16.onnx': fp16, '/chunked.onnx': fp32 }[pathname];
  if (file) {
    send(file, pathname !== '/chunked.onnx');
    return;
  }
  if (url === '/stall') {
    res.writeHead(200, { 'content-length': fp32.byteLength });
    res.write(fp32.subarray(0, 1000));
    return; // never ends
  }
  if (url === '/silent') return; // never answers
  if (url === '/huge') {
    res.writeHead(200, { 'content-length': 300 * 1024 * 1024 });
    res.write(new Uint8Array(10));
    return;
  }
  res.writeHead(404).end('no such model');
}

before(async () => {
  fp32 = await testOnnx();
  fp16 = await testOnnx(undefined, { fp16: true });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cgan-load-'));
  await fs.writeFile(path.join(dir, 'm.onnx'), fp32);
  await fs.writeFile(path.join(dir, 'm.fp16.onnx'), fp16);
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    route(req.url ?? '', res);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  for (const res of open) res.destroy();
  server.close();
  await fs.rm(dir, { recursive: true, force: true });
});

test("dtype names the exporter's fp16 file, as `cgan export --fp16` writes it", () => {
  for (const name of ['m.onnx', 'runs/a/model.onnx', 'noext'])
    assert.equal(withDtype(name, 'fp16'), fp16Path(name), name);
  assert.equal(withDtype('m.fp16.onnx', 'fp16'), 'm.fp16.onnx');
  assert.equal(withDtype('m.onnx', 'fp32'), 'm.onnx');
});

test('an http URL downloads with progress; dtype fp16 fetches the .fp16.onnx file', async () => {
  const seen: LoadProgress[] = [];
  const g = await Generator.load(`${base}/m.onnx`, { device: 'cpu', onProgress: (p) => seen.push(p) });
  assert.equal(g.info.precision, 'float32');
  assert.ok(seen.length >= 4, `only ${seen.length} progress events`);
  assert.ok(seen.every((p, i) => p.total === fp32.byteLength && (i === 0 || p.loaded > seen[i - 1].loaded)));
  assert.equal(seen.at(-1)?.loaded, fp32.byteLength);
  assert.equal(seen[0].url, `${base}/m.onnx`);
  const a = await g.generate({ labels: '0-2', seed: 3 });
  await g.dispose();

  hits.length = 0;
  const h = await Generator.load(new URL(`${base}/m.onnx?v=1`), { device: 'cpu', dtype: 'fp16' });
  assert.deepEqual(hits, ['/m.fp16.onnx?v=1']);
  assert.equal(h.info.precision, 'float16');
  const b = await h.generate({ labels: '0-2', seed: 3 });
  assert.ok(
    b.data.every((v, i) => Math.abs(v - a.data[i]) < 0.02),
    'fp16 images differ from fp32 by > 0.02',
  );
  await h.dispose();
});

test('a path, a file: URL and bytes load; dtype picks the file or checks the bytes', async () => {
  const seen: LoadProgress[] = [];
  const g = await Generator.load(path.join(dir, 'm.onnx'), { dtype: 'fp16', onProgress: (p) => seen.push(p) });
  assert.equal(g.info.precision, 'float16');
  assert.deepEqual(seen, [
    { loaded: fp16.byteLength, total: fp16.byteLength, url: path.join(dir, 'm.fp16.onnx'), cached: false },
  ]);
  await g.dispose();
  const f = await Generator.load(pathToFileURL(path.join(dir, 'm.onnx')));
  assert.equal(f.info.precision, 'float32');
  await f.dispose();
  await assert.rejects(
    Generator.load(fp32, { dtype: 'fp16' }),
    /model: dtype 'fp16' asks for float16 weights, but the model holds float32/,
  );
  await assert.rejects(Generator.load(fp32.buffer as ArrayBuffer, { dtype: 'int8' as 'fp16' }), /dtype "int8"/);
});

test('HTTP errors and the size cap fail with the URL and the reason', async () => {
  await assert.rejects(Generator.load(`${base}/nope.onnx`), /cannot fetch model http:.*\/nope.onnx: HTTP 404/);
  await assert.rejects(Generator.load(`${base}/huge`), /model http:.*\/huge is 300 MiB, over the model size limit/);
  await assert.rejects(
    fetchModel(`${base}/chunked.onnx`, { maxBytes: 1000 }),
    /chunked.onnx sent more than the model size limit of 1000 bytes/,
  );
  await assert.rejects(fetchModel(`${base}/m.onnx`, { maxBytes: 1000 }), /is 49 KiB, over the model size limit/);
  const seen: LoadProgress[] = [];
  const bytes = await fetchModel(`${base}/chunked.onnx`, { onProgress: (p) => seen.push(p) });
  assert.equal(bytes.byteLength, fp32.byteLength);
  assert.ok(
    seen.slice(0, -1).every((p) => p.total === null),
    'a size was reported that the server never sent',
  );
  assert.deepEqual(seen.at(-1), {
    loaded: fp32.byteLength,
    total: fp32.byteLength,
    url: `${base}/chunked.onnx`,
    cached: false,
  });
  await assert.rejects(Generator.load('http://127.0.0.1:1/m.onnx'), /cannot fetch model http:\/\/127.0.0.1:1/);
});

test('an AbortSignal stops a download mid-way and a server that never answers', async () => {
  const ac = new AbortController();
  let t0 = 0;
  const stalled = Generator.load(`${base}/stall`, {
    signal: ac.signal,
    onProgress: () => {
      t0 = performance.now();
      ac.abort();
    },
  });
  await assert.rejects(stalled, { name: 'AbortError' });
  assert.ok(t0 > 0, 'no progress before the abort');
  assert.ok(performance.now() - t0 < 1000, 'the abort took over a second to land');

  const t1 = performance.now();
  await assert.rejects(Generator.load(`${base}/silent`, { signal: AbortSignal.timeout(300) }), {
    name: 'TimeoutError',
  });
  const ms = performance.now() - t1;
  assert.ok(ms >= 250 && ms < 3000, `gave up after ${ms.toFixed(0)} ms, not ~300`);
  await assert.rejects(Generator.load(fp32, { signal: AbortSignal.abort() }), { name: 'AbortError' });
});

test('generate stops between batches on abort; dispose twice is safe; generate after it says so', async () => {
  const g = await Generator.load(fp32, { device: 'cpu' });
  const ac = new AbortController();
  const p = g.generate({ labels: '0-9', seed: 1, batchSize: 1, signal: ac.signal });
  ac.abort(new Error('user pressed stop'));
  await assert.rejects(p, /user pressed stop/);
  await Promise.all([g.dispose(), g.dispose()]);
  await g.dispose();
  assert.equal(g.disposed, true);
  await assert.rejects(g.generate({ labels: '1', seed: 1 }), /this generator was disposed; load the model again/);
});

test('encodePng takes images directly (a grid) as well as RGBA', async () => {
  const g = await Generator.load(fp32, { device: 'cpu' });
  const images = await g.generate({ labels: [1, 1, 2, 2], seed: 1 });
  await g.dispose();
  const png = PNG.sync.read(encodePng(images, { scale: 2 }));
  // Two rows of two (labels in runs of 2), 56 px images, 2 px padding.
  assert.deepEqual([png.width, png.height], [2 * 56 + 3 * 2, 2 * 56 + 3 * 2]);
});
