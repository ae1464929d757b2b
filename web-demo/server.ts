/**
 * The demo's HTTP server: the built page, one model, and onnxruntime-web's wasm files, all from this
 * machine, so the demo works with no network beyond 127.0.0.1.
 *
 * Why sirv in production mode: it lists each directory once at start-up and then serves only paths
 * in that list, so `..`, encoded `%2e%2e` and symlinks out of the tree have nothing to match. The
 * ORT directory is further narrowed to the few files the page can ask for.
 *
 * Every response carries COOP/COEP so the page is cross-origin isolated, which is what lets
 * onnxruntime-web's wasm backend use threads (SharedArrayBuffer), and a Content-Security-Policy that
 * allows only this server's own scripts, plus WebAssembly compilation ('wasm-unsafe-eval', which
 * onnxruntime-web needs). Requests whose Host header is not the address the server is bound to are
 * refused: a web page that rebinds its own DNS name to 127.0.0.1 cannot reach the demo.
 *
 * ORT's files are most of a first visit's bytes and shrink about 5x compressed: a built page's own
 * copies (dist/ort/, what an installed CLI has) are stored gzipped and go out so; in a clone without
 * them, onnxruntime-web's go out brotli- or gzip-compressed on the fly (compress.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, resolve } from 'node:path';
import sirv from 'sirv';
import { BadModelError } from '../runtime/errors.ts';
import { readFileChecked } from '../runtime/files.ts';
import { MAX_MODEL_BYTES } from '../runtime/limits.ts';
import { readModel } from '../runtime/model-info.ts';
import { verifyWeights } from '../runtime/weights-hash.ts';
import { hostsFor } from '../serve/hosts.ts';
import { compressedFiles } from './compress.ts';

/** web-demo/ in the package (found by its own name, so dist/web-demo/server.js serves the same files). */
export const DEMO_ROOT = resolve(dirname(createRequire(import.meta.url).resolve('cgan-onnx/package.json')), 'web-demo');
export const DIST_DIR = resolve(DEMO_ROOT, 'dist');
export const DEFAULT_PORT = 4173;

/** The URL path the page loads its default model from. */
export const MODEL_PATH = '/model.onnx';
/** The URL prefix the page gives onnxruntime-web as `env.wasm.wasmPaths`. */
export const ORT_PREFIX = '/ort/';
/** The only ORT files served: the wasm glue and binaries of the builds the page may import. */
const ORT_FILE = /^ort-wasm-simd-threaded(\.jsep|\.asyncify)?\.(mjs|wasm)$/;

/**
 * What the page may load: its own scripts, styles and workers; WebAssembly; the model and wasm
 * files from here; blob:/data: images (the PNG download, the favicon). Nothing from elsewhere.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self' blob: data:",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const ISOLATION_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
};

export interface DemoServerOptions {
  /** The .onnx served at /model.onnx; null serves a 404 that says how to get one. */
  model: string | null;
  /** Default 127.0.0.1: the demo is for this machine; pass 0.0.0.0 deliberately to share it. */
  host?: string;
  /** Default 4173; 0 picks a free port. */
  port?: number;
  /** The built page (default web-demo/dist). */
  distDir?: string;
  /** Shown by the page (and the 404) when `model` is null. */
  noModelMessage?: string;
  /**
   * A connection that has sent no complete request headers for this long is closed (default 10 s),
   * as is an idle kept-alive one: idle sockets cannot hold the connection cap.
   */
  idleTimeoutMs?: number;
}

export interface DemoServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export const NO_MODEL_MESSAGE =
  'No model to serve: none was named and no exported model was found (models/mnist-cwgan.onnx, runs/*/*.onnx). ' +
  'Export one with `npx cgan export <run-dir>` and run `npx cgan demo path/to/model.onnx`, ' +
  'or load your own .onnx with the file picker on this page.';

/**
 * Where a built page keeps the onnxruntime-web files it loads (web-demo/build.ts copies them, the wasm as .gz):
 * an installed CLI serves those and needs no onnxruntime-web package.
 */
export const ORT_DIST_SUBDIR = 'ort';

/** Directory holding onnxruntime-web's dist files (resolved through its exports map). */
export function ortDistDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
}

export async function startDemoServer(opts: DemoServerOptions): Promise<DemoServer> {
  const distDir = opts.distDir ?? DIST_DIR;
  if (!existsSync(resolve(distDir, 'index.html'))) {
    throw new Error(
      `The demo page is not built (${distDir}/index.html is missing). ` +
        `Run \`npm run build:demo\` or \`npx cgan demo\`, which builds it.`,
    );
  }
  if (opts.model !== null) await checkModel(opts.model);
  const setHeaders = (res: ServerResponse) => {
    for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
  };
  const notFound = (res: ServerResponse, message = 'Not found') => {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(message);
  };
  const page = sirv(distDir, { dev: false, etag: true, setHeaders, onNoMatch: (_req, res) => notFound(res) });
  // The page's own copies when the build made them (gzipped wasm, served as such: an installed CLI has
  // no onnxruntime-web), else onnxruntime-web's, compressed on the fly (compress.ts).
  const ownOrt = resolve(distDir, ORT_DIST_SUBDIR);
  const ortDir = existsSync(ownOrt) ? ownOrt : ortDistDir();
  const ort = sirv(ortDir, {
    dev: false,
    etag: true,
    gzip: true,
    maxAge: 3600,
    setHeaders,
    onNoMatch: (_req, res) => notFound(res),
  });
  const noModel = opts.noModelMessage ?? NO_MODEL_MESSAGE;
  const sendCompressed = ortDir === ownOrt ? null : compressedFiles();

  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? DEFAULT_PORT;
  let allowedHosts: Set<string> | null = null; // filled once the port is known
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    setHeaders(res);
    if (allowedHosts && !allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
      res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(
        `Host ${JSON.stringify(req.headers.host ?? '')} is not this server; open ${[...allowedHosts][0]} instead`,
      );
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Method not allowed');
      return;
    }
    const raw = req.url ?? '/';
    const pathname = raw.split('?')[0];
    if (pathname === MODEL_PATH) return serveModel(req, res, opts.model, noModel);
    if (pathname.startsWith(ORT_PREFIX)) {
      const name = pathname.slice(ORT_PREFIX.length);
      if (!ORT_FILE.test(name)) return notFound(res);
      const plain = () => {
        req.url = '/' + name;
        ort(req, res);
      };
      const type = name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
      if (!sendCompressed) return plain();
      // Same caching as sirv's copy (maxAge 3600); a file that cannot be compressed goes out as it is.
      sendCompressed(req, res, resolve(ortDir, name), { 'Content-Type': type, 'Cache-Control': 'public, max-age=3600' })
        .then((sent) => sent || plain())
        .catch(plain);
      return;
    }
    return page(req, res);
  };

  const idle = opts.idleTimeoutMs ?? 10_000;
  const server = createServer(
    // Node checks open connections for the headers timeout every connectionsCheckingInterval.
    { headersTimeout: idle, requestTimeout: 6 * idle, keepAliveTimeout: idle, connectionsCheckingInterval: idle / 4 },
    handle,
  );
  server.maxConnections = 64; // one page opens a handful; this bounds what a runaway client holds
  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      fail(
        e.code === 'EADDRINUSE'
          ? new Error(`Port ${port} on ${host} is in use. Pick another with --port <n> (0 picks a free one).`)
          : e,
      );
    });
    server.listen(port, host, () => ok());
  });
  const addr = server.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  allowedHosts = hostsFor(host, actualPort);
  return {
    url: `http://${urlHost}:${actualPort}/`,
    server,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** Refuses, at start-up, a model path that is missing, a directory, too big, not a generator or damaged. */
export async function checkModel(model: string): Promise<void> {
  const bytes = await readFileChecked(model, {
    what: 'Model file',
    maxBytes: MAX_MODEL_BYTES,
    limitName: 'the model size limit',
    missingHint: 'export one with `npx cgan export <run-dir>` or name an existing .onnx',
    error: BadModelError,
  });
  await verifyWeights(readModel(bytes, model), model);
}

function serveModel(req: IncomingMessage, res: ServerResponse, model: string | null, noModel: string): void {
  let size = -1;
  try {
    const st = model === null ? null : statSync(model);
    if (st?.isFile()) size = st.size;
  } catch {
    // gone since start-up: the 404 below
  }
  if (model === null || size < 0) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Cgan-No-Model': '1' });
    res.end(
      model === null ? noModel : `Model file not found: ${model} (it was there when the demo started). ${noModel}`,
    );
    return;
  }
  // no-cache: re-exporting to the same path must show the new weights on reload.
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Length': size,
    'Cache-Control': 'no-cache',
    'X-Model-Name': encodeURIComponent(basename(model)),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(model)
    .on('error', () => res.destroy()) // replaced or removed mid-read: end this response, keep serving
    .pipe(res);
}
