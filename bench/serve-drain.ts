/**
 * The rolling-restart load test for `cgan serve` (issue 34): 64 clients send one-image infer
 * requests without pause; a third of the way in the server gets SIGTERM, and as soon as it has
 * exited a new one starts on the same port. Every request is counted by outcome: answered (200,
 * 503), refused at connect (ECONNREFUSED: nothing was sent; the client retries after 20 ms, as a
 * load balancer tries another instance), or lost (sent, then the connection reset or closed with
 * no answer). The goal is zero lost.
 *
 * Clients are node:http loops, one kept-alive connection each, rather than autocannon: autocannon
 * counts errors per connection and cannot tell a request that was sent and lost from a connect
 * that was refused, which is the whole question here.
 *
 * Usage: node --import tsx bench/serve-drain.ts [model.onnx] [--duration S] [--clients N] [--restarts K]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { Command } from 'commander';
import { int } from '../cli/parse.ts';
import { noiseFromSeed } from '../runtime/random.ts';
import { modelNameOf } from '../serve/defaults.ts';
import { CGAN_ARGV } from '../test/run-cgan.ts';

const cli = new Command('bench/serve-drain.ts')
  .argument('[model]', '.onnx to serve', 'models/mnist-cwgan.onnx')
  .option('--duration <s>', 'seconds of load', int('--duration', 2, 600), 9)
  .option('--clients <n>', 'concurrent clients', int('--clients', 1, 1024), 64)
  .option('--restarts <k>', 'SIGTERM-and-restart cycles, evenly spaced', int('--restarts', 1, 20), 2)
  .parse();
const model = cli.processedArgs[0] as string;
const o = cli.opts<{ duration: number; clients: number; restarts: number }>();
const name = modelNameOf(model);

interface Instance {
  child: ChildProcess;
  port: number;
  exit: Promise<number | null>;
  out: () => string;
}

/** Starts `cgan serve` from the sources on `port` (0: a free one). */
function start(port: number): Promise<Instance> {
  const args = [...CGAN_ARGV, 'serve', model, '--port', String(port), '--device', 'cpu'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', () => {
      const m = /http:\/\/127\.0\.0\.1:(\d+)\/v2\/models\//.exec(out);
      if (m) resolve({ child, port: Number(m[1]), exit, out: () => out });
    });
    void exit.then((c) => reject(new Error(`cgan serve exited with ${c}: ${out}`)));
  });
}

const body = JSON.stringify({
  inputs: [
    { name: 'z', shape: [1, 128], datatype: 'FP32', data: Array.from(noiseFromSeed(5, 1, 128)) },
    { name: 'label', shape: [1], datatype: 'INT64', data: [3] },
  ],
});

const tally: Record<string, number> = {};
const count = (k: string) => (tally[k] = (tally[k] ?? 0) + 1);
let port = 0;
let running = true;

/** One request; resolves with its outcome. */
function once(agent: http.Agent): Promise<string> {
  return new Promise((resolve) => {
    let sent = false;
    const req = http.request(
      { host: '127.0.0.1', port, path: `/v2/models/${name}/infer`, method: 'POST', agent },
      (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.statusCode)));
        res.on('error', () => resolve('lost (answer cut)'));
      },
    );
    req.on('finish', () => (sent = true));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED') resolve('refused at connect');
      else resolve(sent ? `lost (${e.code ?? e.message})` : `not sent (${e.code ?? e.message})`);
    });
    req.setHeader('content-type', 'application/json');
    req.end(body);
  });
}

async function client(): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  while (running) {
    const outcome = await once(agent);
    count(outcome);
    if (outcome === 'refused at connect' || outcome === '503') await new Promise((r) => setTimeout(r, 20));
  }
  agent.destroy();
}

let server = await start(0);
port = server.port;
console.log(
  `# ${o.clients} clients, ${o.duration} s, ${o.restarts} SIGTERM restarts of cgan serve ${model} on :${port}`,
);
const clients = Array.from({ length: o.clients }, () => client());
const drains: string[] = [];
for (let k = 1; k <= o.restarts; k++) {
  await new Promise((r) => setTimeout(r, (o.duration * 1000) / (o.restarts + 1)));
  const t0 = performance.now();
  server.child.kill('SIGTERM');
  const code = await server.exit;
  const drained = performance.now() - t0;
  server = await start(port);
  drains.push(
    `restart ${k}: exit ${code} ${drained.toFixed(0)} ms after SIGTERM, new server up ` +
      `${(performance.now() - t0 - drained).toFixed(0)} ms later`,
  );
}
await new Promise((r) => setTimeout(r, (o.duration * 1000) / (o.restarts + 1)));
running = false;
await Promise.all(clients);
server.child.kill('SIGTERM');
await server.exit;

for (const d of drains) console.log(d);
const lost = Object.entries(tally)
  .filter(([k]) => k.startsWith('lost'))
  .reduce((a, [, v]) => a + v, 0);
const total = Object.values(tally).reduce((a, b) => a + b, 0);
console.log(`outcomes of ${total} attempts: ${JSON.stringify(tally)}`);
console.log(`lost requests: ${lost} (goal 0)`);
