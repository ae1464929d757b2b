/** `cgan serve` as a user runs it: a real child process, a real socket, a real SIGTERM. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { testOnnx } from '../test/test-checkpoint.ts';
import { noiseFromSeed } from '../runtime/random.ts';
import { CGAN_ARGV, runCgan } from '../test/run-cgan.ts';

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
  assert.match(out(), /SIGTERM: finishing 2 queued images and the requests in flight, then stopping\nstopped/);
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
