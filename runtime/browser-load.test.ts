/**
 * The browser entry and the element in headless Chromium, against a local server that counts its
 * requests: progress, the Cache API (reuse, `cache: false`, clearModelCache), dtype, abort
 * mid-download, the image helpers (ImageData, canvas, Blob), the element's progress and error events.
 * One page, built once with esbuild from the sources (ORT's plain wasm build: half the bytes of JSEP).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, watchErrors } from '../test/chromium.ts';
import { REPO } from '../test/packages.ts';
import { ortDistDir } from '../web-demo/server.ts';
import { testOnnx } from '../test/test-checkpoint.ts';

const ORT_FILES = ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'];
const PAGE =
  '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">' +
  '<script type="module" src="/page.js"></script></head><body></body></html>';
/** What the page module exposes: the browser entry, with the element defined. */
const ENTRY =
  "import * as rt from '@cgan-onnx/runtime/browser';" +
  "import { CganGeneratorElement } from '../element/cgan-generator.ts';" +
  // Used, so that the element's module (sideEffects: only its dist/ file) is kept in the bundle.
  'window.rt = rt; window.CganGeneratorElement = CganGeneratorElement; window.rtReady = true;';

const files = new Map<string, { body: Uint8Array; type: string }>();
const hits = new Map<string, number>();
let server: Server;
let base: string;
let browser: Browser;
let page: Page;
let errors: string[];
const stalled = new Set<ServerResponse>();

function count(path: string): number {
  return hits.get(path) ?? 0;
}

before(async () => {
  const bundle = await build({
    stdin: { contents: ENTRY, resolveDir: join(REPO, 'runtime'), loader: 'ts' },
    bundle: true,
    format: 'esm',
    write: false,
    target: 'es2022',
    conditions: ['source', 'onnxruntime-web-use-extern-wasm'],
    alias: { 'onnxruntime-web': 'onnxruntime-web/wasm' },
    logLevel: 'warning',
  });
  files.set('/', { body: new TextEncoder().encode(PAGE), type: 'text/html' });
  files.set('/page.js', { body: bundle.outputFiles[0].contents, type: 'text/javascript' });
  for (const f of ORT_FILES) {
    const type = f.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
    files.set(`/${f}`, { body: readFileSync(join(ortDistDir(), f)), type });
  }
  files.set('/m.onnx', { body: await testOnnx(), type: 'application/octet-stream' });
  files.set('/m.fp16.onnx', { body: await testOnnx(undefined, { fp16: true }), type: 'application/octet-stream' });
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    hits.set(path, count(path) + 1);
    if (path === '/stall.onnx') {
      res.writeHead(200, { 'content-length': 100_000 });
      res.write(new Uint8Array(5000));
      stalled.add(res);
      return;
    }
    const f = files.get(path);
    if (!f) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': f.type, 'content-length': f.body.byteLength });
    // Models in four pieces, apart in time, so the page sees several progress steps.
    if (!path.endsWith('.onnx')) return void res.end(f.body);
    const step = Math.ceil(f.body.byteLength / 4);
    const send = (at: number): void => {
      if (at >= f.body.byteLength) return void res.end();
      res.write(f.body.subarray(at, at + step));
      setTimeout(() => send(at + step), 60); // far enough apart that a busy page does not read two as one
    };
    send(0);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium({ webgpu: false });
  page = await browser.newPage();
  // tsx compiles this file with esbuild's keepNames: functions passed to page.evaluate call __name.
  await page.addInitScript('globalThis.__name = (f) => f;');
  errors = watchErrors(page);
  await page.goto(`${base}/`);
  await page.waitForFunction(() => (window as { rtReady?: boolean }).rtReady === true);
});

after(async () => {
  for (const res of stalled) res.destroy();
  await browser?.close();
  server?.close();
});

/** Runs `Generator.load(url, opts)` in the page; returns what the caller can see of it. */
async function loadInPage(url: string, opts: Record<string, unknown> = {}) {
  return page.evaluate(
    async ([url, opts]) => {
      const rt = (window as unknown as { rt: typeof import('./browser.ts') }).rt;
      const progress: { loaded: number; total: number | null; cached: boolean }[] = [];
      const g = await rt.Generator.load(url, {
        device: 'wasm',
        wasmPaths: '/',
        ...opts,
        onProgress: (p) => progress.push({ loaded: p.loaded, total: p.total, cached: p.cached }),
      });
      const out = { precision: g.info.precision, device: g.device, progress };
      await g.dispose();
      await g.dispose(); // twice: no error
      return out;
    },
    [url, opts] as const,
  );
}

test('a URL downloads with progress, is kept in the Cache API and loads from there next time', async () => {
  const size = files.get('/m.onnx')?.body.byteLength;
  const first = await loadInPage('/m.onnx');
  assert.equal(first.device, 'wasm');
  assert.equal(count('/m.onnx'), 1);
  assert.ok(first.progress.length >= 2, `${first.progress.length} progress events`);
  assert.deepEqual(first.progress.at(-1), { loaded: size, total: size, cached: false });

  const second = await loadInPage('/m.onnx');
  assert.equal(count('/m.onnx'), 1, 'the second load went to the network');
  assert.deepEqual(second.progress, [{ loaded: size, total: size, cached: true }]);

  await loadInPage('/m.onnx', { cache: false });
  assert.equal(count('/m.onnx'), 2, 'cache: false did not download');

  const removed = await page.evaluate(() =>
    (window as unknown as { rt: typeof import('./browser.ts') }).rt.clearModelCache(),
  );
  assert.equal(removed, 1);
  await loadInPage('/m.onnx');
  assert.equal(count('/m.onnx'), 3, 'after clearModelCache the model came from the cache');
});

test("dtype 'fp16' fetches the .fp16.onnx file beside the named one", async () => {
  const got = await loadInPage('/m.onnx?v=2', { dtype: 'fp16', cache: false });
  assert.equal(got.precision, 'float16');
  assert.equal(count('/m.fp16.onnx'), 1);
});

test('an AbortSignal stops a download that stalls half-way', async () => {
  const name = await page.evaluate(async () => {
    const rt = (window as unknown as { rt: typeof import('./browser.ts') }).rt;
    const ac = new AbortController();
    try {
      await rt.Generator.load('/stall.onnx', { signal: ac.signal, onProgress: () => ac.abort() });
      return 'loaded';
    } catch (e) {
      return `${(e as Error).name}`;
    }
  });
  assert.equal(name, 'AbortError');
});

test('images become ImageData, a canvas and a PNG Blob without pixel loops', async () => {
  const got = await page.evaluate(async () => {
    const rt = (window as unknown as { rt: typeof import('./browser.ts') }).rt;
    const g = await rt.Generator.load('/m.onnx', { device: 'wasm', wasmPaths: '/' });
    const images = await g.generate({ labels: [1, 1, 2, 2], seed: 3 });
    await g.dispose();
    const data = rt.toImageData(images, { scale: 2 });
    const canvas = rt.toCanvas(images) as HTMLCanvasElement;
    const blob = await rt.toBlob(images);
    const head = Array.from(new Uint8Array(await blob.slice(0, 4).arrayBuffer()));
    return { w: data.width, h: data.height, cw: canvas.width, ch: canvas.height, type: blob.type, head };
  });
  assert.deepEqual([got.w, got.h], [2 * 56 + 3 * 2, 2 * 56 + 3 * 2]);
  assert.deepEqual([got.cw, got.ch], [2 * 28 + 3 * 2, 2 * 28 + 3 * 2]);
  assert.equal(got.type, 'image/png');
  assert.deepEqual(got.head, [0x89, 0x50, 0x4e, 0x47]);
});

test('the element fires progress then ready then render; a bad attribute is an error naming it', async () => {
  const events = await page.evaluate(async () => {
    const seen: string[] = [];
    const el = document.createElement('cgan-generator');
    const done = new Promise<void>((ok) => {
      el.addEventListener('progress', (e) => seen.push(`progress ${e.detail.cached}`));
      el.addEventListener('ready', () => seen.push('ready'));
      el.addEventListener('render', () => ok());
      el.addEventListener('error', (e) => {
        seen.push(`error ${e.detail.message}`);
        ok();
      });
    });
    el.setAttribute('src', '/m.fp16.onnx');
    el.setAttribute('labels', '3');
    el.setAttribute('device', 'wasm');
    document.body.append(el);
    await done;
    seen.push('render');
    const failed = (attr: string, value: string) =>
      new Promise<string>((ok) => {
        el.addEventListener('error', (e) => ok(e.detail.message), { once: true });
        el.setAttribute(attr, value);
      });
    seen.push(await failed('labels', ''));
    seen.push(await failed('dtype', 'int8'));
    return seen;
  });
  const progress = events.filter((e) => e.startsWith('progress'));
  assert.ok(progress.length >= 2, events.join(' | '));
  const labels =
    '<cgan-generator> labels="": expected class names or indices, e.g. labels="0-9" or labels="Sneaker,Bag" ' +
    '(leave the attribute out for every class of the model)';
  const dtype = '<cgan-generator> dtype="int8": expected one of fp32, fp16';
  // Each error twice: the first listener's entry, then the message the test awaited.
  assert.deepEqual(events.slice(progress.length), [
    'ready',
    'render',
    `error ${labels}`,
    labels,
    `error ${dtype}`,
    dtype,
  ]);
  assert.deepEqual(errors, []);
});
