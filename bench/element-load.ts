/**
 * The `<cgan-generator>` element's time to first image in headless Chromium over a throttled network
 * (CDP Network.emulateNetworkConditions; default 20 Mbit/s down, 40 ms latency), cold (a fresh
 * browser context: empty HTTP cache and Cache API) and warm (the same context, reloaded: wasm and
 * module from the HTTP cache, the model from the runtime's Cache API), for each of:
 *   - model bytes: models/mnist-cwgan.onnx (float32) or its .fp16.onnx (the element's dtype="fp16");
 *   - onnxruntime-web build: JSEP (the element's build: WebGPU + wasm, 28 MB wasm) or plain wasm (14 MB);
 *   - compression: none, or brotli (quality 9, made once at start-up) when the browser accepts it.
 *
 *   node --import tsx bench/element-load.ts [--runs N] [--mbit 20] [--latency 40]
 *     [--ort plain,jsep] [--compression none,br] [--dtype fp32,fp16]
 *
 * Each cold+warm pair runs in a new Chromium profile on disk: an incognito context's in-memory HTTP
 * cache does not keep the 14-28 MB wasm, which a real browser's disk cache does.
 *
 * The element is bundled from the sources with esbuild as element/build.ts does (plain: ORT's
 * `onnxruntime-web/wasm` in place of `onnxruntime-web`); the page is plain (no COOP/COEP: wasm, one
 * thread) and asks for device="wasm". Times are from navigation start (performance.now() in the page).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';
import { Command } from 'commander';
import { build } from 'esbuild';

import { int } from '../cli/parse.ts';
import { CHROMIUM, launchChromiumProfile, watchErrors } from '../test/chromium.ts';
import { REPO } from '../test/packages.ts';
import { ortDistDir } from '../web-demo/server.ts';

interface Variant {
  ort: 'jsep' | 'plain';
  dtype: 'fp32' | 'fp16';
  brotli: boolean;
}
interface Timing {
  /** The element's `render` event: the first image is on the canvas. */
  render: number;
  ready: number;
  /** The last model progress event (bytes complete), and whether it came from the Cache API. */
  modelDone: number;
  cached: boolean;
  wasmDone: number;
  /** Bytes over the network (transferSize: 0 for cache hits). */
  transferred: number;
}

const ORT_FILES = { jsep: 'ort-wasm-simd-threaded.jsep', plain: 'ort-wasm-simd-threaded' } as const;
const PAGE = (dtype: string) =>
  '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">' +
  '<script type="module" src="/cgan-generator.js"></script></head><body>' +
  `<cgan-generator src="/model.onnx" dtype="${dtype}" labels="0-9" seed="42" device="wasm" scale="2">` +
  '</cgan-generator><script type="module">' +
  "const el = document.querySelector('cgan-generator'); const t = {};" +
  "el.addEventListener('progress', (e) => { t.modelDone = performance.now(); t.cached = e.detail.cached; });" +
  "el.addEventListener('ready', () => { t.ready = performance.now(); });" +
  "el.addEventListener('render', () => { t.render = performance.now(); window.__t = t; });" +
  "el.addEventListener('error', (e) => { window.__t = { error: e.detail.message }; });" +
  '</script></body></html>';

function args() {
  const cmd = new Command('bench/element-load.ts')
    .option('--runs <n>', 'cold+warm pairs per variant', int('--runs', 1), 2)
    .option('--mbit <n>', 'download throughput, Mbit/s', int('--mbit', 1), 20)
    .option('--latency <ms>', 'added round-trip latency', int('--latency', 0), 40)
    .option('--ort <list>', 'onnxruntime-web builds: plain,jsep', 'plain,jsep')
    .option('--compression <list>', 'none,br', 'none,br')
    .option('--dtype <list>', 'fp32,fp16', 'fp32,fp16')
    .parse();
  return cmd.opts<{ runs: number; mbit: number; latency: number; ort: string; compression: string; dtype: string }>();
}

/** The element bundled with the chosen onnxruntime-web build (what element/build.ts does for JSEP). */
async function bundleElement(ort: Variant['ort']): Promise<Uint8Array> {
  const out = await build({
    entryPoints: [join(REPO, 'element', 'cgan-generator.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    conditions: ['source', 'onnxruntime-web-use-extern-wasm'],
    alias: ort === 'plain' ? { 'onnxruntime-web': 'onnxruntime-web/wasm' } : {},
    logLevel: 'warning',
  });
  const js = out.outputFiles?.[0];
  if (!js) throw new Error('esbuild wrote no bundle');
  return js.contents;
}

interface Asset {
  body: Uint8Array;
  br: Uint8Array;
  type: string;
  cache: string;
}

function asset(body: Uint8Array, type: string, cache: string): Asset {
  const br = brotliCompressSync(body, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength },
  });
  return { body, br, type, cache };
}

/** Every file the page may ask for, per ORT build, with its brotli copy. */
async function assets(): Promise<Record<Variant['ort'], Map<string, Asset>>> {
  const immutable = 'public, max-age=3600'; // as the demo server serves ORT's files
  const shared = new Map<string, Asset>();
  shared.set(
    '/model.onnx',
    asset(readFileSync(join(REPO, 'models', 'mnist-cwgan.onnx')), 'application/octet-stream', 'no-cache'),
  );
  shared.set(
    '/model.fp16.onnx',
    asset(readFileSync(join(REPO, 'models', 'mnist-cwgan.fp16.onnx')), 'application/octet-stream', 'no-cache'),
  );
  const out = {} as Record<Variant['ort'], Map<string, Asset>>;
  for (const ort of ['plain', 'jsep'] as const) {
    const m = new Map(shared);
    m.set('/cgan-generator.js', asset(await bundleElement(ort), 'text/javascript', immutable));
    for (const ext of ['mjs', 'wasm']) {
      const f = `${ORT_FILES[ort]}.${ext}`;
      const type = ext === 'wasm' ? 'application/wasm' : 'text/javascript';
      m.set(`/${f}`, asset(readFileSync(join(ortDistDir(), f)), type, immutable));
    }
    out[ort] = m;
  }
  return out;
}

function handler(files: Map<string, Asset>, v: Variant) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-cache' });
      return void res.end(PAGE(v.dtype));
    }
    const f = files.get(path);
    if (!f) return void res.writeHead(404).end();
    const br = v.brotli && /\bbr\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = br ? f.br : f.body;
    res.writeHead(200, {
      'content-type': f.type,
      'content-length': body.byteLength,
      'cache-control': f.cache,
      vary: 'accept-encoding',
      ...(br ? { 'content-encoding': 'br' } : {}),
    });
    res.end(body);
  };
}

/** One page load in `ctx`'s page; returns its timings. */
async function load(page: import('playwright-core').Page, url: string): Promise<Timing> {
  await page.goto(url);
  await page.waitForFunction(() => (window as { __t?: unknown }).__t !== undefined, null, { timeout: 180_000 });
  const t = await page.evaluate(() => {
    const r = (window as unknown as { __t: Record<string, number> & { error?: string; cached: boolean } }).__t;
    const res = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    const wasm = res.find((e) => e.name.endsWith('.wasm'));
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const transferred = res.reduce((s, e) => s + e.transferSize, nav.transferSize);
    return { ...r, wasmDone: wasm?.responseEnd ?? Number.NaN, transferred };
  });
  if ('error' in t && t.error) throw new Error(`the element failed: ${t.error}`);
  return t as Timing;
}

async function runVariant(url: string, o: ReturnType<typeof args>): Promise<Timing[][]> {
  const pairs: Timing[][] = [];
  for (let r = 0; r < o.runs; r++) {
    const profile = mkdtempSync(join(tmpdir(), 'cgan-bench-profile-'));
    const ctx = await launchChromiumProfile(profile, { webgpu: false });
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    const errors = watchErrors(page);
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: o.latency,
      downloadThroughput: (o.mbit * 1e6) / 8,
      uploadThroughput: (o.mbit * 1e6) / 8,
    });
    const cold = await load(page, url);
    const warm = await load(page, url);
    if (!warm.cached) throw new Error('the warm load did not take the model from the Cache API');
    if (errors.length) throw new Error(errors.join('\n'));
    pairs.push([cold, warm]);
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
  }
  return pairs;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

function row(v: Variant, pairs: Timing[][]): string {
  const cold = pairs.map((p) => p[0]);
  const warm = pairs.map((p) => p[1]);
  const m = (xs: Timing[], k: keyof Timing) => median(xs.map((t) => Number(t[k])));
  return (
    `| ${v.dtype} | ${v.ort} | ${v.brotli ? 'br' : 'none'} | ${mb(m(cold, 'transferred'))} | ${s(m(cold, 'render'))} ` +
    `| ${s(m(cold, 'wasmDone'))} | ${s(m(cold, 'modelDone'))} | ${s(m(warm, 'render'))} | ${s(m(warm, 'wasmDone'))} ` +
    `| ${s(m(warm, 'modelDone'))} | ${s(m(warm, 'ready'))} | ${mb(m(warm, 'transferred'))} |`
  );
}

async function main(): Promise<void> {
  const o = args();
  const t0 = performance.now();
  const files = await assets();
  for (const ort of ['plain', 'jsep'] as const) {
    const list = [...files[ort].entries()].map(([p, a]) => `${p} ${mb(a.body.byteLength)} (br ${mb(a.br.byteLength)})`);
    console.log(`${ort}: ${list.join(', ')}`);
  }
  console.log(`assets built and compressed in ${s(performance.now() - t0)}`);
  console.log(
    `chromium (${CHROMIUM}), ${o.mbit} Mbit/s, ${o.latency} ms latency, ${o.runs} cold+warm pairs per ` +
      `variant, ${cpus().length} cores, load ${loadavg()
        .map((l) => l.toFixed(1))
        .join('/')} at start`,
  );
  console.log(
    '| model | ORT | compression | cold: bytes | cold: first image | cold: wasm in | cold: model in | ' +
      'warm: first image | warm: wasm in | warm: model in | warm: ready | warm: bytes |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  const list = (x: string) => x.split(',').map((v) => v.trim());
  for (const ort of list(o.ort) as Variant['ort'][])
    for (const brotli of list(o.compression).map((c) => c === 'br'))
      for (const dtype of list(o.dtype) as Variant['dtype'][]) {
        const v = { ort, dtype, brotli };
        const server: Server = createServer(handler(files[ort], v));
        await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
        try {
          console.log(row(v, await runVariant(url, o)));
        } finally {
          server.close();
        }
      }
  console.log(
    `load ${loadavg()
      .map((l) => l.toFixed(1))
      .join('/')} at the end; ${s(performance.now() - t0)} in all`,
  );
}

await main();
