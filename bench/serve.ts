/**
 * Load bench for `cgan serve`: images/s and p50/p99 latency at 1, 16 and 64 concurrent clients
 * sending one image each (autocannon, loopback only), with the batcher on and off, next to the
 * offline rate of batch-64 session runs in this process, timed before, between and after the HTTP
 * runs (a shared machine drifts; compare within one run). Then an overload run: far more clients
 * than the queue holds; the server must keep answering 200 or 503, with bounded memory.
 *
 * Usage: node --import tsx bench/serve.ts [model.onnx] [--duration S] [--overload-clients N]
 * Bounded: every run stops after S seconds (default 6) or 20,000 requests per connection.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Command } from 'commander';
import { int } from '../cli/parse.ts';
import { Generator } from '../runtime/node.ts';
import { noiseFromSeed } from '../runtime/random.ts';
import { modelNameOf } from '../serve/defaults.ts';

const cli = new Command('bench/serve.ts')
  .argument('[model]', '.onnx to serve', 'models/mnist-cwgan.onnx')
  .option('--duration <s>', 'seconds per run', int('--duration', 1, 600), 6)
  .option('--overload-clients <n>', 'clients in the overload run', int('--overload-clients', 1, 10_000), 512)
  .parse();
const model = cli.processedArgs[0] as string;
const { duration: DURATION, overloadClients: OVERLOAD_CLIENTS } = cli.opts<{
  duration: number;
  overloadClients: number;
}>();
const CLIENTS = [1, 16, 64];
const BIN = fileURLToPath(new URL('../bin/cgan.js', import.meta.url));

interface Offline {
  rate: number;
  cpuMs: number;
}

/** The better of the two session setups, each timed for half the time. */
async function offlineRate(seconds: number): Promise<Offline & { spinning: boolean; other: Offline }> {
  const a = await offlineOne(g, seconds / 2);
  const b = await offlineOne(gQuiet, seconds / 2);
  return a.rate >= b.rate ? { ...a, spinning: true, other: b } : { ...b, spinning: false, other: a };
}

/** Offline batch-64 images/s, and CPU ms per image (this process: onnxruntime's threads, idle autocannon). */
async function offlineOne(g: Generator, seconds: number): Promise<Offline> {
  const labels = Array.from({ length: 64 }, (_, i) => i % g.info.numClasses);
  const noise = noiseFromSeed(1, 64, g.info.zDim);
  await g.generate({ labels, noise }); // warm-up
  let images = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  while (performance.now() - t0 < seconds * 1000) {
    await g.generate({ labels, noise, batchSize: 64 });
    images += 64;
  }
  const c = process.cpuUsage(c0);
  return { rate: images / ((performance.now() - t0) / 1000), cpuMs: (c.user + c.system) / 1000 / images };
}

interface Running {
  child: ChildProcess;
  base: string;
  stop(): Promise<number | null>;
}

function startServer(extra: string[]): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'serve', model, '--port', '0', '--device', 'cpu', ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const exit = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+)\/v2\/models\//.exec(out);
      if (m) {
        const stop = () => {
          child.kill('SIGTERM');
          return exit;
        };
        resolve({ child, base: m[1], stop });
      }
    });
    void exit.then((c) => reject(new Error(`cgan serve exited with ${c}: ${out}`)));
  });
}

function load(url: string, body: string, connections: number, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration: seconds,
    maxConnectionRequests: 20_000,
    timeout: 30,
  });
}

async function metric(base: string, name: string): Promise<number> {
  const m = await (await fetch(`${base}/metrics`)).text();
  return Number(new RegExp(`^${name} ([\\d.e+-]+)$`, 'm').exec(m)?.[1] ?? NaN);
}
const rssMb = async (base: string) => (await metric(base, 'cgan_process_resident_memory_bytes')) / 2 ** 20;
/** The server's CPU seconds, images made and session runs so far. */
const counters = async (base: string) => ({
  cpu: await metric(base, 'cgan_process_cpu_seconds_total'),
  images: await metric(base, 'cgan_batch_images_sum'),
  runs: await metric(base, 'cgan_batch_images_count'),
});

// The offline baseline, both ways: onnxruntime's default (threads spin between runs) and the
// server's session options (no spinning); the better of the two is what the server is held to.
const bytes = new Uint8Array(readFileSync(model));
const g = await Generator.load(bytes, { device: 'cpu' });
const gQuiet = await Generator.load(bytes, { device: 'cpu', spinning: false });
const name = modelNameOf(model);
const { zDim } = g.info;
const inputs = [
  { name: 'z', shape: [1, zDim], datatype: 'FP32', data: Array.from(noiseFromSeed(5, 1, zDim)) },
  { name: 'label', shape: [1], datatype: 'INT64', data: [3] },
];
const body = JSON.stringify({ inputs });
/** The same request asking for the image as raw bytes (binary tensor extension) instead of JSON numbers. */
const binaryBody = JSON.stringify({ inputs, outputs: [{ name: 'image', parameters: { binary_data: true } }] });

console.log(
  `# cgan serve load bench: ${model}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), Node ${process.version}`,
);
console.log(`# ${DURATION} s per run, one image per request, autocannon in this process, server in a child process`);
const offline = [await offlineRate(DURATION)];
const showOffline = (o: Offline & { spinning: boolean; other: Offline }) =>
  `${o.rate.toFixed(0)} img/s, ${o.cpuMs.toFixed(2)} CPU ms/image (${o.spinning ? 'spinning' : 'no spinning'}; ` +
  `${o.spinning ? 'no spinning' : 'spinning'}: ${o.other.rate.toFixed(0)} img/s, ` +
  `${o.other.cpuMs.toFixed(2)} CPU ms/image)`;
console.log(`offline batch-64, before: ${showOffline(offline[0])}`);

const modes: { label: string; args: string[]; body?: string }[] = [
  { label: 'batcher on (--max-batch 256 --max-delay-ms 5)', args: ['--max-batch', '256', '--max-delay-ms', '5'] },
  {
    label: 'batcher on, no wait (--max-batch 256 --max-delay-ms 0)',
    args: ['--max-batch', '256', '--max-delay-ms', '0'],
  },
  {
    label: 'batcher on (--max-delay-ms 5), binary output',
    args: ['--max-batch', '256', '--max-delay-ms', '5'],
    body: binaryBody,
  },
  { label: 'batcher off (--max-batch 1)', args: ['--max-batch', '1', '--max-delay-ms', '0'] },
];
const rows: string[] = [];
const rates: number[] = [];
for (const mode of modes) {
  const s = await startServer(mode.args);
  const url = `${s.base}/v2/models/${name}/infer`;
  const req = mode.body ?? body;
  await load(url, req, 4, 1); // warm-up: sessions, JIT, connections
  for (const c of CLIENTS) {
    const k0 = await counters(s.base);
    const r = await load(url, req, c, DURATION);
    const k1 = await counters(s.base);
    const rate = r['2xx'] / r.duration;
    // CPU per image of the server process does not depend on how busy the rest of the machine is.
    const cpuMs = ((k1.cpu - k0.cpu) * 1000) / (k1.images - k0.images);
    const meanBatch = (k1.images - k0.images) / (k1.runs - k0.runs);
    rates.push(rate);
    rows.push(
      `| ${mode.label} | ${c} | ${rate.toFixed(0)} | ${r.latency.p50} | ${r.latency.p99} | ${meanBatch.toFixed(1)} ` +
        `| ${cpuMs.toFixed(2)} | ${r.non2xx} | ${r.errors} |`,
    );
    console.log(`${mode.label}, ${c} clients: ${rows.at(-1)}`);
  }
  const code = await s.stop();
  if (code !== 0) throw new Error(`server exited ${code} after SIGTERM`);
  offline.push(await offlineRate(DURATION));
  console.log(`offline batch-64, after "${mode.label}": ${showOffline(offline[offline.length - 1])}`);
}

// Overload: a queue of 64 images and far more clients than that.
const s = await startServer(['--max-batch', '64', '--max-delay-ms', '5', '--max-queue', '64']);
const url = `${s.base}/v2/models/${name}/infer`;
const rss = [await rssMb(s.base)];
const sampler = setInterval(
  () =>
    void rssMb(s.base).then(
      (v) => rss.push(v),
      () => {},
    ),
  500,
);
const r = await load(url, body, OVERLOAD_CLIENTS, DURATION);
clearInterval(sampler);
const ready = await fetch(`${s.base}/v2/health/ready`);
const after = await rssMb(s.base);
const overloadExit = await s.stop();
await g.dispose();
await gQuiet.dispose();

const mean = offline.reduce((a, b) => a + b.rate, 0) / offline.length;
const meanCpu = offline.reduce((a, b) => a + b.cpuMs, 0) / offline.length;
console.log('\n| mode | clients | img/s | p50 ms | p99 ms | images/run | server CPU ms/image | non-2xx | errors |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
console.log(
  `\noffline batch-64: ${offline.map(showOffline).join('; ')} (before, between, after; ` +
    `mean ${mean.toFixed(0)} img/s, ${meanCpu.toFixed(2)} CPU ms/image)`,
);
modes.forEach((mode, m) => {
  const at64 = rates[m * CLIENTS.length + CLIENTS.indexOf(64)];
  console.log(
    `${mode.label}, 64 clients: ${((100 * at64) / mean).toFixed(0)}% of the offline batch-64 rate ` +
      '(goal with the batcher: >= 80%)',
  );
});
const codes = Object.entries(r.statusCodeStats ?? {})
  .map(([k, v]) => `${k}: ${v.count}`)
  .join(', ');
console.log(
  `\noverload (${OVERLOAD_CLIENTS} clients, --max-queue 64, --max-batch 64, ${DURATION} s): status codes {${codes}}, ` +
    `connection errors ${r.errors} (timeouts ${r.timeouts}), ${(r['2xx'] / r.duration).toFixed(0)} img/s served, ` +
    `p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms; server RSS ${rss[0].toFixed(0)} MB before, ` +
    `peak ${Math.max(...rss, after).toFixed(0)} MB, ${after.toFixed(0)} MB after; ` +
    `ready afterwards: HTTP ${ready.status}; ` +
    `exit after SIGTERM: ${overloadExit}`,
);
