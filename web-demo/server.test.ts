import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { fixtureModel } from '../test/fixture-model.ts';
import { pickEncoding } from './compress.ts';
import { CONTENT_SECURITY_POLICY, ortDistDir, startDemoServer, type DemoServer } from './server.ts';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw request: node:http sends the path as given, unlike fetch, which resolves `..` itself. */
function get(base: string, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<Reply> {
  const u = new URL(base);
  return new Promise((ok, fail) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
    req.end();
  });
}

const root = mkdtempSync(join(tmpdir(), 'cgan-demo-server-'));
const dist = join(root, 'site', 'dist');
const SECRET = 'do-not-serve-me';
let demo: DemoServer;
let noModel: DemoServer;

before(async () => {
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>demo</title>');
  writeFileSync(join(dist, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(root, 'site', 'secret.txt'), SECRET);
  writeFileSync(join(root, 'secret.txt'), SECRET);
  writeFileSync(join(root, 'm.onnx'), fixtureModel({ genChannels: 4 }));
  demo = await startDemoServer({ model: join(root, 'm.onnx'), port: 0, distDir: dist });
  noModel = await startDemoServer({ model: null, port: 0, distDir: dist });
});
after(async () => {
  await demo.close();
  await noModel.close();
  rmSync(root, { recursive: true, force: true });
});

test('binds 127.0.0.1 by default and prints an http URL for it', () => {
  const addr = demo.server.address();
  assert.ok(addr && typeof addr === 'object');
  assert.equal(addr.address, '127.0.0.1');
  assert.match(demo.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
});

test('serves the page with cross-origin isolation headers', async () => {
  const r = await get(demo.url, '/');
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /^text\/html/);
  assert.equal(r.headers['cross-origin-opener-policy'], 'same-origin');
  assert.equal(r.headers['cross-origin-embedder-policy'], 'require-corp');
  assert.match(r.body.toString(), /<title>demo<\/title>/);
  const js = await get(demo.url, '/assets/app.js');
  assert.equal(js.status, 200);
  assert.match(String(js.headers['content-type']), /javascript/);
});

test('serves onnxruntime-web wasm files from node_modules with the right MIME types', async () => {
  const wasm = await get(demo.url, '/ort/ort-wasm-simd-threaded.wasm', 'HEAD');
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers['content-type'], 'application/wasm');
  assert.ok(Number(wasm.headers['content-length']) > 1_000_000);
  assert.equal(wasm.headers['cross-origin-embedder-policy'], 'require-corp');
  for (const f of [
    'ort-wasm-simd-threaded.mjs',
    'ort-wasm-simd-threaded.asyncify.mjs',
    'ort-wasm-simd-threaded.jsep.mjs',
  ]) {
    const mjs = await get(demo.url, `/ort/${f}`, 'HEAD');
    assert.equal(mjs.status, 200, f);
    assert.equal(mjs.headers['content-type'], 'text/javascript', f);
  }
  // Only the runtime files the page can load: not the rest of the package.
  for (const f of ['ort.min.mjs', 'package.json', 'ort.all.min.js.map']) {
    assert.equal((await get(demo.url, `/ort/${f}`)).status, 404, f);
  }
});

test('serves the model as octet-stream with its name', async () => {
  const r = await get(demo.url, '/model.onnx');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/octet-stream');
  assert.equal(r.headers['x-model-name'], 'm.onnx');
  assert.deepEqual([...r.body], [...fixtureModel({ genChannels: 4 })]);
});

test('no path traversal: nothing outside the served trees is reachable', async () => {
  const attempts = [
    '/../secret.txt',
    '/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2e%2e/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/..%2f..%2fsecret.txt',
    '/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/assets/../../secret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt',
    '/ort/../../secret.txt',
    '/ort/..%2f..%2f..%2fpackage.json',
    '/ort/%2e%2e/package.json',
    '/ort/../onnxruntime-web/package.json',
    '//etc/passwd',
    '/..\\..\\secret.txt',
    '/%5c..%5c..%5csecret.txt',
    '/model.onnx/../secret.txt',
    '/ort//etc/passwd',
    '/%00/etc/passwd',
    '/../../../../../../etc/passwd',
  ];
  for (const path of attempts) {
    const r = await get(demo.url, path);
    assert.notEqual(r.status, 200, `${path} answered 200`);
    assert.ok(!r.body.toString().includes(SECRET), `${path} leaked the file`);
    assert.ok(!r.body.toString().includes('root:'), `${path} leaked /etc/passwd`);
  }
});

test('only GET and HEAD', async () => {
  assert.equal((await get(demo.url, '/', 'POST')).status, 405);
  assert.equal((await get(demo.url, '/model.onnx', 'PUT')).status, 405);
});

test('a missing model is a 404 that says how to get one', async () => {
  const r = await get(noModel.url, '/model.onnx');
  assert.equal(r.status, 404);
  assert.match(r.body.toString(), /No model to serve.*cgan export/s);
  assert.equal((await get(noModel.url, '/')).status, 200, 'the page still loads, for a user-chosen model');
});

test('start-up errors name the problem', async () => {
  await assert.rejects(
    startDemoServer({ model: join(root, 'nope.onnx'), port: 0, distDir: dist }),
    /Model file .*nope\.onnx does not exist/,
  );
  await assert.rejects(
    startDemoServer({ model: null, port: 0, distDir: join(root, 'empty') }),
    /demo page is not built/,
  );
  const port = Number(new URL(demo.url).port);
  await assert.rejects(startDemoServer({ model: null, port, distDir: dist }), new RegExp(`Port ${port} .* is in use`));
});

test('a model path that is a directory, random bytes or damaged weights is refused at start-up', async () => {
  const model = fixtureModel({ genChannels: 4 });
  writeFileSync(join(root, 'random.onnx'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
  const damaged = Buffer.from(model);
  damaged[Math.floor(damaged.length / 2)] ^= 0x40; // inside the dense weights, most of the file
  writeFileSync(join(root, 'damaged.onnx'), damaged);
  // A server that starts anyway is closed, so a failing check cannot hold the test open.
  const refused = (model: string) =>
    startDemoServer({ model, port: 0, distDir: dist }).then((d) => d.close().then(() => d));
  await assert.rejects(refused(root), /Model file .* is a directory/);
  await assert.rejects(refused(join(root, 'random.onnx')), /random\.onnx: not (a valid ONNX file|an ONNX model)/);
  await assert.rejects(refused(join(root, 'damaged.onnx')), /damaged\.onnx: its weights do not match/);
});

test('every response carries the Content-Security-Policy', async () => {
  for (const path of ['/', '/model.onnx', '/ort/ort-wasm-simd-threaded.wasm', '/nope']) {
    const r = await get(demo.url, path, 'HEAD');
    assert.equal(r.headers['content-security-policy'], CONTENT_SECURITY_POLICY, path);
  }
  assert.match(CONTENT_SECURITY_POLICY, /script-src 'self' 'wasm-unsafe-eval'/);
});

test('a Host header that is not the bound address is refused (DNS rebinding)', async () => {
  const port = new URL(demo.url).port;
  for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1:${Number(port) + 1}`]) {
    const r = await get(demo.url, '/model.onnx', 'GET', { Host: host });
    assert.equal(r.status, 421, `Host ${host}`);
    assert.doesNotMatch(r.body.toString('latin1'), /cgan-onnx\.generator/, 'no model bytes for a foreign Host');
  }
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
    assert.equal((await get(demo.url, '/', 'GET', { Host: host })).status, 200, `Host ${host}`);
  }
});

test("compresses onnxruntime-web's files for browsers that accept it, byte for byte", async () => {
  const name = 'ort-wasm-simd-threaded.wasm';
  const raw = readFileSync(join(ortDistDir(), name));
  const br = await get(demo.url, `/ort/${name}`, 'GET', { 'accept-encoding': 'gzip, deflate, br, zstd' });
  assert.equal(br.headers['content-encoding'], 'br');
  assert.equal(br.headers['content-type'], 'application/wasm');
  assert.equal(br.headers.vary, 'Accept-Encoding');
  assert.equal(br.headers['cross-origin-embedder-policy'], 'require-corp');
  assert.equal(Number(br.headers['content-length']), br.body.length);
  assert.ok(br.body.length < raw.length / 3, `brotli left ${br.body.length} of ${raw.length} bytes`);
  assert.ok(brotliDecompressSync(br.body).equals(raw));
  const gz = await get(demo.url, `/ort/${name}`, 'GET', { 'accept-encoding': 'gzip' });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.ok(gunzipSync(gz.body).equals(raw));
  const none = await get(demo.url, `/ort/${name}`, 'GET', { 'accept-encoding': 'br;q=0, identity' });
  assert.equal(none.headers['content-encoding'], undefined);
  assert.equal(none.body.length, raw.length);
  assert.deepEqual(['br', 'gzip, br', 'gzip', 'br;q=0, gzip', 'identity', undefined].map(pickEncoding), [
    'br',
    'br',
    'gzip',
    'gzip',
    null,
    null,
  ]);
});
