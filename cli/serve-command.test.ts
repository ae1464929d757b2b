/** `cgan serve` as a user runs it: a real child process, a real socket, a real SIGTERM. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { testOnnx } from '../test/test-checkpoint.ts';
import { noiseFromSeed } from '../runtime/random.ts';
import { CGAN_ARGV, runCgan } from '../test/run-cgan.ts';
import { bindWarning } from './serve-command.ts';

let dir: string;
let model: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cgan-serve-cli-'));
  model = path.join(dir, 'tiny-gen.onnx');
  await fs.writeFile(model, await testOnnx());
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Starts `cgan serve`, resolves with the URL it prints. */
function start(
  args: string[],
): Promise<{ child: ChildProcess; base: string; out: () => string; exit: Promise<number | null> }> {
  const child = spawn(process.execPath, [...CGAN_ARGV, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`cgan serve did not start: ${out}`)), 60_000);
    child.stdout?.on('data', () => {
      const m = /(http:\/\/127\.0\.0\.1:\d+)\/v2\/models\//.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({ child, base: m[1], out: () => out, exit });
      }
    });
    void exit.then((code) => reject(new Error(`cgan serve exited with ${code}: ${out}`)));
  });
}

test('SIGTERM: stops accepting, answers the request in flight, exits 0', async () => {
  // A long batching delay keeps the request queued when the signal arrives.
  const { child, base, out, exit } = await start([model, '--port', '0', '--max-delay-ms', '9000']);
  assert.match(out(), /serving tiny-gen .* on cpu, batches of up to 256 images, 9000 ms wait/);
  const body = {
    inputs: [
      { name: 'z', shape: [2, 16], datatype: 'FP32', data: Array.from(noiseFromSeed(1, 2, 16)) },
      { name: 'label', shape: [2], datatype: 'INT64', data: [4, 2] },
    ],
  };
  const inFlight = fetch(`${base}/v2/models/tiny-gen/infer`, { method: 'POST', body: JSON.stringify(body) });
  for (let i = 0; i < 500; i++) {
    const m = await (await fetch(`${base}/metrics`)).text();
    if (/cgan_queue_depth_images 2/.test(m)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const killed = performance.now();
  child.kill('SIGTERM');
  const res = await inFlight;
  assert.equal(res.status, 200);
  const json = (await res.json()) as { outputs: { shape: number[]; data: number[] }[] };
  assert.deepEqual(json.outputs[0].shape, [2, 1, 28, 28]);
  const ms = performance.now() - killed;
  assert.ok(
    ms < 6000,
    `answered ${Math.round(ms)} ms after SIGTERM: it should run at shutdown, not wait out its 9 s delay`,
  );
  assert.equal(await exit, 0);
  // Well under fastify's 72 s keep-alive timeout: idle connections do not hold the shutdown open.
  assert.ok(performance.now() - killed < 30_000, `shutdown took ${Math.round(performance.now() - killed)} ms`);
  assert.match(out(), /SIGTERM: finishing 2 queued images and the requests in flight \(at most 30000 ms/);
  assert.match(out(), /--drain-timeout-ms\), then stopping\nstopped/);
  await assert.rejects(fetch(`${base}/v2/health/live`), 'no longer listening');
});

test('cgan serve: bad arguments and files exit with their codes and say why', async () => {
  const missing = await runCgan(['serve', path.join(dir, 'absent.onnx'), '--port', '0']);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /absent.onnx does not exist; export one with `cgan export RUN --out/);
  const junk = path.join(dir, 'junk.onnx');
  await fs.writeFile(junk, 'not a model');
  const bad = await runCgan(['serve', junk, '--port', '0']);
  assert.equal(bad.code, 3);
  assert.match(bad.stderr, /junk.onnx: not a valid ONNX file/);
  const name = await runCgan(['serve', model, '--name', 'a/b']);
  assert.equal(name.code, 2);
  assert.match(name.stderr, /model name "a\/b" is not usable/);
  const batch = await runCgan(['serve', model, '--max-batch', '0']);
  assert.equal(batch.code, 2);
  assert.match(batch.stderr, /--max-batch must be an integer in \[1, 65536\], got "0"/);
});

test('SIGTERM with 60 requests already sent: every one is answered 200, then exit 0 (drain)', async () => {
  // A batching delay of 2 s holds them queued; SIGTERM arrives 300 ms after the last was sent.
  const { child, base, out, exit } = await start([
    model,
    '--port',
    '0',
    '--max-delay-ms',
    '2000',
    '--max-queue',
    '16384',
  ]);
  const n = 60;
  const body = JSON.stringify({
    inputs: [
      { name: 'z', shape: [64, 16], datatype: 'FP32', data: Array.from(noiseFromSeed(2, 64, 16)) },
      { name: 'label', shape: [64], datatype: 'INT64', data: Array(64).fill(1) },
    ],
  });
  const url = new URL(`${base}/v2/models/tiny-gen/infer`);
  // One connection each (node:http, no agent pooling), as 60 clients behind a load balancer.
  const answers = Array.from(
    { length: n },
    () =>
      new Promise<string>((resolve) => {
        const req = http.request(url, { method: 'POST', agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.statusCode)));
        });
        req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        req.end(body);
      }),
  );
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGTERM');
  const got = await Promise.all(answers);
  const tally = got.reduce<Record<string, number>>((t, c) => ({ ...t, [c]: (t[c] ?? 0) + 1 }), {});
  assert.deepEqual(tally, { 200: n }, `answers after SIGTERM: ${JSON.stringify(tally)}\n${out()}`);
  assert.equal(await exit, 0);
  assert.match(out(), /SIGTERM: finishing \d+ queued images/);
});

test('cgan serve: numeric options out of range and impossible combinations exit 2 at start-up', async () => {
  const rows: [string[], RegExp][] = [
    [['--timeout-ms', '3000000000'], /--timeout-ms must be an integer in \[1, 3600000\], got "3000000000"/],
    [
      ['--max-queue', '10', '--max-images', '20'],
      /--max-queue 10 is below --max-images 20: a request of 20 images could never be queued/,
    ],
    [['--max-delay-ms', '500', '--timeout-ms', '400'], /--max-delay-ms 500 is not below --timeout-ms 400/],
    [['--max-body-bytes', '99999999999'], /--max-body-bytes must be an integer in \[1024, 268435456\]/],
    [['--drain-timeout-ms', '-1'], /--drain-timeout-ms must be an integer in \[0, 3600000\]/],
    [['--max-png-pixels', '10'], /--max-png-pixels must be an integer in \[1024, 67108864\]/],
    [['--host', '999.1.1.1'], /--host "999\.1\.1\.1" is not an IP address or a host name/],
    [['--host', 'a host'], /--host "a host" is not an IP address or a host name/],
    [['--host', '192.0.2.1', '--port', '0'], /--host 192\.0\.2\.1 is not an address of this machine/],
  ];
  const results = await Promise.all(rows.map(([args]) => runCgan(['serve', model, ...args], { timeout: 60_000 })));
  rows.forEach(([args, want], i) => {
    const r = results[i];
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, want, args.join(' '));
  });
});

test('an address other machines can reach gets a warning; loopback ones do not', () => {
  for (const h of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) assert.equal(bindWarning(h), null, h);
  assert.match(
    bindWarning('0.0.0.0') ?? '',
    /serves every machine that can reach this one: there is no authentication, and requests are not checked by Host/,
  );
  assert.match(bindWarning('192.168.1.5') ?? '', /--host 192\.168\.1\.5 serves every machine/);
});
