/**
 * `cgan serve`'s HTTP server (fastify): the Open Inference Protocol (KServe v2) REST routes over
 * one generator, a PNG route for people, and Prometheus metrics. Every image request goes through
 * the micro-batcher (serve/batcher.ts). Limits: body size, images per request, pixels per PNG
 * (413), queue length (503 + Retry-After), a per-request timeout (504); a client that hangs up
 * leaves the queue. close() drains: no new connections, every request already received answered.
 */
import cors from '@fastify/cors';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { BadModelError } from '../runtime/errors.ts';
import type { GeneratorBase } from '../runtime/generator.ts';
import { gridLayout } from '../runtime/images.ts';
import { parseLabels, repeatLabels } from '../runtime/labels.ts';
import type { OnnxSummary } from '../runtime/model-info.ts';
import { noiseFromSeed } from '../runtime/random.ts';
import { ClosedError, MicroBatcher, QueueFullError, SoloFailure } from './batcher.ts';
import { SERVE_DEFAULTS, serveLimitProblems } from './defaults.ts';
import { Connections, drain as drainConnections } from './drain.ts';
import { hostsFor } from './hosts.ts';
import { createMetrics, type ServerMetrics } from './metrics.ts';
import { PngBusyError, PngPool } from './png-pool.ts';
import {
  BINARY_HEADER,
  RequestError,
  inferResponseBinary,
  inferResponseJson,
  modelMetadata,
  parseInferRequest,
  type ServedModel,
} from './protocol.ts';
import { tritonConfig } from './triton.ts';

export interface ServerOptions {
  name: string;
  maxBatch: number;
  maxDelayMs: number;
  maxQueue: number;
  maxImages: number;
  maxBodyBytes: number;
  timeoutMs: number;
  /** After close() starts, how long the requests already received may take; the rest then get 503. */
  drainTimeoutMs: number;
  /** Pixels in one /v1/png answer, padding included (413 beyond). */
  maxPngPixels: number;
  /** Reported by GET /v2. */
  serverVersion: string;
  /** Web origins whose pages may call this server (CORS); `*` for any; none by default. */
  cors: string[];
}

export interface Server {
  app: FastifyInstance;
  batcher: MicroBatcher;
  metrics: ServerMetrics;
  model: ServedModel;
  /**
   * Drains, then resolves: stops accepting connections, answers every request already received
   * (on kept-alive connections too, each answer then closing its connection), and after
   * `drainTimeoutMs` answers what is still queued with 503.
   */
  close(): Promise<void>;
}

class RequestTimeout extends Error {
  constructor(ms: number) {
    super(`the request took longer than the server's limit of ${ms} ms (--timeout-ms); it was dropped`);
    this.name = 'RequestTimeout';
  }
}
class ClientGone extends Error {
  constructor() {
    super('the client closed the connection');
    this.name = 'ClientGone';
  }
}

/** The status, body and metrics reason of an error reaching a route. */
function classify(e: unknown, o: ServerOptions): { status: number; reason: string; message: string } {
  const err = e as Error & { statusCode?: number; code?: string };
  if (e instanceof RequestError)
    return { status: e.status, reason: e.status === 413 ? 'too_large' : 'bad_request', message: e.message };
  if (e instanceof QueueFullError || e instanceof PngBusyError)
    return { status: 503, reason: 'queue_full', message: e.message };
  if (e instanceof SoloFailure) {
    // The request's own input failed the model while the others batched with it ran: the client's.
    const why = e.cause instanceof BadModelError ? 'the model output non-finite values for it' : String(e.cause);
    return {
      status: 400,
      reason: 'bad_request',
      message:
        `this request's input is outside what the model can compute (${why}), while the requests ` +
        'batched with it ran; send noise such as N(0, 1) samples',
    };
  }
  if (e instanceof ClosedError) return { status: 503, reason: 'shutting_down', message: e.message };
  if (e instanceof RequestTimeout) return { status: 504, reason: 'timeout', message: e.message };
  if (e instanceof ClientGone) return { status: 499, reason: 'cancelled', message: e.message };
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return {
      status: 413,
      reason: 'too_large',
      message: `the request body is larger than this server's limit of ${o.maxBodyBytes} bytes (--max-body-bytes)`,
    };
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
    return { status: err.statusCode, reason: 'bad_request', message: err.message };
  return { status: 500, reason: 'internal', message: `the server failed to generate: ${err.message}` };
}

function intParam(q: Record<string, unknown>, name: string, dflt: number, min: number, max: number): number {
  const v = q[name];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || n < min || n > max) {
    throw new RequestError(400, `query "${name}" must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return n;
}

export async function createServer(
  generator: GeneratorBase,
  summary: OnnxSummary,
  options: Partial<ServerOptions> & { name: string },
): Promise<Server> {
  const o: ServerOptions = { ...SERVE_DEFAULTS, serverVersion: '0', ...options, cors: options.cors ?? [] };
  const problems = serveLimitProblems(o);
  if (problems.length) throw new RangeError(`createServer: ${problems.join('; ')}`);
  const { info } = generator;
  const model: ServedModel = { name: o.name, version: SERVE_DEFAULTS.version, info, summary };
  const plane = info.channels * info.imageSize * info.imageSize;
  let closing = false;
  let closed: Promise<void> | undefined;

  const batcher = new MicroBatcher(
    async (labels, noise) => (await generator.generate({ labels, noise, batchSize: labels.length })).data,
    {
      maxBatch: o.maxBatch,
      maxDelayMs: o.maxDelayMs,
      maxQueue: o.maxQueue,
      zDim: info.zDim,
      plane,
      onBatch: (n, r) => {
        metrics.batchImages.observe(n);
        metrics.batchRequests.observe(r);
        metrics.images.inc(n);
      },
    },
  );
  const metrics = createMetrics(() => batcher.depth);
  // Four grids of the largest size may wait for the encoder; more get 503.
  const png = new PngPool(4 * o.maxPngPixels);

  // A request body arrives whole (bodyLimit), is parsed as JSON whatever its content type (curl -d
  // sends form-urlencoded; Triton does not look either), with fastify's prototype-poisoning guard.
  // requestTimeout: the whole request (a slow body included) must arrive within --timeout-ms; Node
  // checks it every connectionsCheckingInterval (its default, 30 s, let slow bodies stay ~90 s).
  const app = Fastify({
    logger: false,
    bodyLimit: o.maxBodyBytes,
    requestTimeout: o.timeoutMs,
    http: { connectionsCheckingInterval: Math.min(1000, o.timeoutMs), headersTimeout: Math.min(60_000, o.timeoutMs) },
    return503OnClosing: true,
  });
  // Requests whose Host is not this server's address are refused (DNS rebinding: a web page whose name
  // now points at 127.0.0.1 must not reach the model), as `cgan demo` does. Computed once listening.
  let allowedHosts: Set<string> | null | undefined;
  app.addHook('onRequest', async (req, reply) => {
    const addr = app.server.address();
    if (addr === null || typeof addr === 'string') return; // not listening (inject) or a pipe
    allowedHosts ??= hostsFor(addr.address, addr.port);
    const h = (req.headers.host ?? '').toLowerCase();
    if (allowedHosts && !allowedHosts.has(h)) {
      return reply
        .code(421)
        .send({ error: `Host ${JSON.stringify(h)} is not this server; use ${[...allowedHosts][0]}` });
    }
  });
  const conns = new Connections(app.server);
  app.removeAllContentTypeParsers();
  const json = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    if (req.headers[BINARY_HEADER] !== undefined) {
      const m = `binary inputs are not supported (the request has ${BINARY_HEADER}); send the inputs as JSON "data"`;
      return done(new RequestError(400, m), undefined);
    }
    json(req, body as string, (err, value) => {
      if (!err) return done(null, value);
      // fastify's message blames the content type; say what is wrong with the text instead.
      let why = 'it holds a "__proto__" or "constructor" key, which is refused';
      try {
        JSON.parse(body as string);
      } catch (e) {
        why = body === '' ? 'it is empty' : (e as Error).message;
      }
      done(new RequestError(400, `the request body is not valid JSON: ${why}`), undefined);
    });
  });

  if (o.cors.length) {
    // A page elsewhere (the remote generator in a browser) needs these to read the answers, the
    // binary header included.
    await app.register(cors, {
      origin: o.cors.includes('*') ? '*' : o.cors,
      methods: ['GET', 'POST'],
      exposedHeaders: [BINARY_HEADER, 'retry-after'],
    });
  }

  app.setErrorHandler((e, req, reply) => {
    const c = classify(e, o);
    metrics.errors.inc({ route: req.routeOptions.url ?? 'none', reason: c.reason });
    if (c.status === 503) reply.header('retry-after', '1');
    if (c.status === 499) return reply.code(499).send(); // nobody is listening
    return reply.code(c.status).send({ error: c.message });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({
      error:
        `no route ${req.method} ${req.url.split('?')[0]}: see /v2, /v2/models/${o.name}, ` +
        `/v2/models/${o.name}/infer, /v1/png, /metrics`,
    }),
  );
  // While closing, answers end their connection: a keep-alive socket left idle after its last answer
  // would otherwise hold the shutdown open until fastify's keep-alive timeout (72 s).
  app.addHook('onSend', async (_req, reply) => {
    // Only once the listener is closed (serve/drain.ts): a client told to reconnect earlier would
    // queue a new connection the listener then resets; now it is refused, and tries elsewhere.
    if (closing && !app.server.listening) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'none';
    metrics.requests.inc({ route, code: String(reply.statusCode) });
    metrics.latency.observe({ route }, reply.elapsedTime / 1000);
  });

  /** Queues labels+noise; the request's timeout and its client hanging up both take it off the queue. */
  const generate = async (reply: FastifyReply, labels: number[], noise: Float32Array): Promise<Float32Array> => {
    // Gone while its body was read or parsed: the 'close' below has already fired.
    if (reply.request.raw.socket?.destroyed) throw new ClientGone();
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new RequestTimeout(o.timeoutMs)), o.timeoutMs);
    const onClose = () => {
      if (!reply.raw.writableFinished) ac.abort(new ClientGone());
    };
    reply.raw.on('close', onClose);
    try {
      // Non-finite outputs (damaged weights) are refused by the runtime's Generator.generate.
      return await batcher.submit(labels, noise, ac.signal);
    } finally {
      clearTimeout(timer);
      reply.raw.off('close', onClose);
    }
  };

  const checkModel = (req: FastifyRequest) => {
    const p = req.params as { name: string; version?: string };
    if (p.name !== o.name)
      throw new RequestError(404, `model "${p.name}" is not served here; this server serves "${o.name}"`);
    if (p.version !== undefined && p.version !== model.version) {
      throw new RequestError(404, `model "${o.name}" has no version "${p.version}"; it has "${model.version}"`);
    }
  };
  const both = (suffix: string) => [`/v2/models/:name${suffix}`, `/v2/models/:name/versions/:version${suffix}`];

  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (_req, reply) =>
    closing ? reply.code(503).send({ ready: false }) : { ready: true },
  );
  app.get('/v2', async () => ({ name: 'cgan-onnx', version: o.serverVersion, extensions: ['model_configuration'] }));
  for (const url of both('')) {
    app.get(url, async (req) => {
      checkModel(req);
      return modelMetadata(model);
    });
  }
  for (const url of both('/ready')) {
    app.get(url, async (req, reply) => {
      checkModel(req);
      return closing ? reply.code(503).send({ ready: false }) : { name: o.name, ready: true };
    });
  }
  // Triton's model configuration route, with the configuration `cgan export --triton` writes.
  for (const url of both('/config')) {
    app.get(url, async (req) => {
      checkModel(req);
      return tritonConfig(o.name, summary, { maxBatch: o.maxImages, maxDelayMs: o.maxDelayMs, maxQueue: o.maxQueue });
    });
  }
  for (const url of both('/infer')) {
    app.post(url, async (req, reply) => {
      checkModel(req);
      const parsed = parseInferRequest(req.body, model, o.maxImages);
      const images = await generate(reply, parsed.labels, parsed.noise);
      if (!parsed.binary) return reply.type('application/json').send(inferResponseJson(model, parsed, images));
      const { json, body } = inferResponseBinary(model, parsed, images);
      return reply.header(BINARY_HEADER, String(json.length)).type('application/octet-stream').send(body);
    });
  }
  // For people: the grid `cgan generate --labels L --count N --seed S` draws, as a PNG.
  app.get('/v1/png', async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const spec = q.labels === undefined ? `0-${info.numClasses - 1}` : String(q.labels);
    const seed = intParam(q, 'seed', 0, 0, 0xffffffff);
    const count = intParam(q, 'count', 1, 1, o.maxImages);
    const scale = intParam(q, 'scale', 1, 1, 16);
    let labels: number[];
    try {
      labels = repeatLabels(parseLabels(spec, info.classNames), count);
    } catch (e) {
      throw new RequestError(400, `query "labels": ${(e as Error).message}`);
    }
    if (labels.length > o.maxImages) {
      throw new RequestError(
        413,
        `labels x count is ${labels.length} images; this server takes at most ${o.maxImages} per request ` +
          '(--max-images)',
      );
    }
    // The grid's size is known before any image is made: refuse it then, not after generating.
    const cols = count > 1 ? count : undefined;
    const pixels = gridPixels(labels, cols, scale, info.imageSize);
    if (pixels > o.maxPngPixels) {
      throw new RequestError(
        413,
        `the grid would have ${pixels} pixels; this server draws at most ${o.maxPngPixels} per PNG ` +
          '(--max-png-pixels): lower scale or count',
      );
    }
    const release = png.reserve(pixels);
    try {
      const data = await generate(reply, labels, noiseFromSeed(seed, labels.length, info.zDim));
      const batch = {
        data,
        count: labels.length,
        channels: info.channels,
        height: info.imageSize,
        width: info.imageSize,
      };
      const bytes = await png.encode({ ...batch, labels }, { cols, scale });
      return reply.type('image/png').send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } finally {
      release();
    }
  });
  app.get('/metrics', async (_req, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  return {
    app,
    batcher,
    metrics,
    model,
    close: () => (closed ??= drain()),
  };

  /** close(): see Server.close. */
  async function drain(): Promise<void> {
    closing = true; // ready answers 503; every answer from now carries Connection: close
    batcher.flush();
    if (app.server.listening) {
      await drainConnections(app.server, conns, {
        timeoutMs: o.drainTimeoutMs,
        graceMs: IDLE_GRACE_MS,
        onLate: async () => {
          batcher.rejectQueued(new ClosedError()); // 503 + Retry-After for what the drain could not run
          await batcher.idle();
          await new Promise((r) => setTimeout(r, 100)); // let those answers reach their sockets
        },
      });
    }
    await Promise.all([app.close(), batcher.close()]);
    await png.close();
  }
}

/** How long a keep-alive connection idle at shutdown may still send a request. */
const IDLE_GRACE_MS = 1000;

/** The pixels of the grid the PNG route draws (renderGrid's layout, padding of 2). */
function gridPixels(labels: number[], cols: number | undefined, scale: number, imageSize: number): number {
  const pad = 2;
  const g = gridLayout(labels.length, labels, cols);
  return (g.cols * imageSize * scale + (g.cols + 1) * pad) * (g.rows * imageSize * scale + (g.rows + 1) * pad);
}
