/**
 * The drain (serve/drain.ts) on real sockets: after close() starts, a request already on its way,
 * on a fresh or a kept-alive connection, is answered; new connections are refused; an idle
 * kept-alive connection does not hold the shutdown open; past the drain timeout, queued requests
 * get 503.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { readOnnxSummary } from '../runtime/model-info.ts';
import { Generator } from '../runtime/node.ts';
import { noiseFromSeed } from '../runtime/random.ts';
import { testOnnx } from '../test/test-checkpoint.ts';
import { createServer } from './server.ts';

let bytes: Uint8Array;
let g: Generator;
before(async () => {
  bytes = await testOnnx();
  g = await Generator.load(bytes, { device: 'cpu' });
});
after(() => g.dispose());

const payload = JSON.stringify({
  inputs: [
    { name: 'z', shape: [1, 16], datatype: 'FP32', data: Array.from(noiseFromSeed(1, 1, 16)) },
    { name: 'label', shape: [1], datatype: 'INT64', data: [2] },
  ],
});
const requestText = (port: number) =>
  `POST /v2/models/gen/infer HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
  `Content-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`;

/** A raw connection: send requests, read whole answers (status and Connection header), see it close. */
function connect(port: number) {
  const sock = net.connect(port, '127.0.0.1');
  let buf = '';
  const waiters: (() => void)[] = [];
  sock.on('data', (d) => {
    buf += d.toString('latin1');
    for (const w of waiters.splice(0)) w();
  });
  sock.on('error', () => {});
  const closed = new Promise<void>((r) => sock.on('close', () => r()));
  const opened = new Promise<void>((r) => sock.on('connect', () => r()));
  /** The next complete answer: its status and whether it closes the connection. */
  const answer = async (): Promise<{ status: number; close: boolean }> => {
    for (;;) {
      const head = buf.indexOf('\r\n\r\n');
      const len = head >= 0 ? Number(/content-length: (\d+)/i.exec(buf.slice(0, head))?.[1] ?? 0) : -1;
      if (head >= 0 && buf.length >= head + 4 + len) {
        const text = buf.slice(0, head);
        buf = buf.slice(head + 4 + len);
        return { status: Number(text.split(' ')[1]), close: /\r\nconnection: close/i.test(text) };
      }
      if (sock.destroyed) throw new Error(`connection closed before an answer (got ${JSON.stringify(buf)})`);
      await Promise.race([new Promise<void>((r) => waiters.push(r)), closed]);
    }
  };
  return { sock, opened, closed, answer, send: () => sock.write(requestText(port)) };
}

test('close(): requests already on their way are answered, new connections refused, idle ones closed', async () => {
  const s = await createServer(g, readOnnxSummary(bytes), { name: 'gen', maxDelayMs: 0 });
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = s.app.server.address() as net.AddressInfo;
  const fresh = connect(port); // connected, its request not sent yet
  const kept = connect(port); // served once, then sends again during the drain
  const idle = connect(port); // served once, then silent
  await Promise.all([fresh.opened, kept.opened, idle.opened]);
  for (const c of [kept, idle]) {
    c.send();
    assert.deepEqual(await c.answer(), { status: 200, close: false });
  }
  const t0 = performance.now();
  const closing = s.close();
  await new Promise((r) => setTimeout(r, 300));
  fresh.send();
  kept.send();
  assert.deepEqual(await fresh.answer(), { status: 200, close: true }, 'a fresh connection is not reset');
  assert.deepEqual(await kept.answer(), { status: 200, close: true }, 'a kept-alive one is answered, then closed');
  const refused = await new Promise<string>((r) =>
    net
      .connect(port, '127.0.0.1')
      .on('connect', () => r('connected'))
      .on('error', (e: NodeJS.ErrnoException) => r(e.code ?? 'error')),
  );
  assert.equal(refused, 'ECONNREFUSED');
  await Promise.all([closing, fresh.closed, kept.closed, idle.closed]);
  const ms = performance.now() - t0;
  assert.ok(ms < 5000, `the idle kept-alive connection held the shutdown for ${Math.round(ms)} ms`);
});

test('past --drain-timeout-ms, requests still queued get 503 + Retry-After; the running one finishes', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const held = Object.create(g) as Generator;
  held.generate = async (req) => {
    await gate;
    return g.generate(req);
  };
  const s = await createServer(held, readOnnxSummary(bytes), {
    name: 'gen',
    maxDelayMs: 0,
    maxBatch: 1,
    drainTimeoutMs: 300,
  });
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = s.app.server.address() as net.AddressInfo;
  const running = connect(port);
  const queued = connect(port);
  running.send();
  await new Promise((r) => setTimeout(r, 100));
  queued.send();
  for (let i = 0; i < 200 && s.batcher.depth === 0; i++) await new Promise((r) => setTimeout(r, 10));
  const closing = s.close();
  const late = await queued.answer();
  assert.equal(late.status, 503);
  release();
  assert.equal((await running.answer()).status, 200);
  await closing;
});
