/** `cgan serve [model.onnx]`: the generator over HTTP (Open Inference Protocol v2), with batching. */
import { Command, Option } from 'commander';
import { type Device, deviceNames } from '../runtime/devices.ts';
import type { OnnxSummary } from '../runtime/model-info.ts';
import type { ServerOptions } from '../serve/server.ts';
import { isIP } from 'node:net';
import {
  MODEL_NAME,
  SERVE_BOUNDS as B,
  SERVE_DEFAULTS as D,
  modelNameOf,
  serveLimitProblems,
} from '../serve/defaults.ts';
import { DEFAULT_MODEL, modelOrDefault } from './default-model.ts';
import { EXIT, UsageError } from './errors.ts';
import { int, num } from './parse.ts';

/** The server's own limits (serve/server.ts) plus where it listens and what it runs on. */
interface Opts extends Omit<ServerOptions, 'name' | 'serverVersion' | 'cors'> {
  port: number;
  host: string;
  device: Device;
  fallback?: boolean;
  name?: string;
  cors?: string[];
}

export function register(program: Command): void {
  const cmd = program
    .command('serve')
    .description('serve a generator over HTTP: KServe v2 / Triton REST routes, a PNG route, Prometheus metrics')
    .argument('[model]', `.onnx file written by \`cgan export\` (default ${DEFAULT_MODEL})`);
  cmd.action(async (modelArg: string | undefined, o: Opts) => {
    const rt = await import('../runtime/node.ts');
    const model = modelOrDefault(modelArg);
    checkServeOptions(o);
    const name = o.name ?? modelNameOf(model);
    if (!MODEL_NAME.test(name))
      throw new UsageError(
        `model name "${name}" is not usable in a URL or by Triton: pass --name with letters, digits, "_", "." or "-"`,
      );
    const bytes = await rt.readModelFile(model);
    rt.readModelInfo(bytes, model);
    const summary: OnnxSummary = rt.readOnnxSummary(bytes, model);
    const g = await rt.Generator.load(bytes, { device: o.device, fallback: o.fallback, spinning: false });
    if (g.fallback)
      console.error(
        `note: device ${o.device} runs on ${g.device}: ${g.fallback.from} is not available ` +
          `(--device ${g.fallback.from} says why)`,
      );
    const { createServer } = await import('../serve/server.ts');
    const server = await createServer(g, summary, { ...o, name, serverVersion: program.version() ?? '' });
    let url: string;
    try {
      url = await server.app.listen({ port: o.port, host: o.host });
    } catch (e) {
      await g.dispose();
      throw listenError(e as NodeJS.ErrnoException, o);
    }
    const warning = bindWarning(o.host);
    if (warning) console.error(warning);
    const batching = o.maxBatch > 1 ? `batches of up to ${o.maxBatch} images, ${o.maxDelayMs} ms wait` : 'batching off';
    console.log(`serving ${name} (${model}) on ${g.device}, ${batching}`);
    console.log(`  ${url}/v2/models/${name}            metadata; POST .../infer to generate`);
    console.log(`  ${url}/v1/png?labels=0-9&seed=42    a PNG grid`);
    console.log(`  ${url}/metrics                      Prometheus metrics`);
    // SIGTERM (a supervisor) and Ctrl-C both stop cleanly: no new requests, the queued and running
    // ones answered, then exit; 0 for SIGTERM, 130 for SIGINT as the exit-code table says.
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    console.log(
      `${signal}: finishing ${server.batcher.depth} queued images and the requests in flight ` +
        `(at most ${o.drainTimeoutMs} ms, --drain-timeout-ms), then stopping`,
    );
    await server.close();
    await g.dispose();
    console.log('stopped');
    process.exitCode = signal === 'SIGINT' ? EXIT.interrupted : EXIT.ok;
  });
  cmd
    .option('--port <n>', 'port to listen on (0 picks a free one)', int('--port', ...B.port), D.port)
    .option('--host <addr>', 'address to bind; the default serves this machine only', D.host)
    .addOption(new Option('--device <name>', 'execution provider').choices(deviceNames('node')).default('auto'))
    .option('--fallback', 'run on cpu if the device is not available, instead of failing')
    .option(
      '--cors <origins>',
      'web origins allowed to call the server from a page, comma-separated, or *',
      (v: string) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
    )
    .option('--name <name>', 'model name in the URLs (default: the file name without .onnx)')
    .option(
      '--max-batch <n>',
      'most images in one session run; 1 turns batching off',
      int('--max-batch', ...B.maxBatch),
      D.maxBatch,
    )
    .option(
      '--max-delay-ms <ms>',
      'how long a request waits for others to join its batch',
      num('--max-delay-ms', ...B.maxDelayMs),
      D.maxDelayMs,
    )
    .option(
      '--max-queue <n>',
      'images waiting before new requests get 503 + Retry-After',
      int('--max-queue', ...B.maxQueue),
      D.maxQueue,
    )
    .option(
      '--max-images <n>',
      'most images in one request (413 beyond); at most --max-queue',
      int('--max-images', ...B.maxImages),
      D.maxImages,
    )
    .option(
      '--max-body-bytes <n>',
      'largest request body (413 beyond)',
      int('--max-body-bytes', ...B.maxBodyBytes),
      D.maxBodyBytes,
    )
    .option(
      '--max-png-pixels <n>',
      'most pixels in one /v1/png answer, padding included (413 beyond)',
      int('--max-png-pixels', ...B.maxPngPixels),
      D.maxPngPixels,
    )
    .option(
      '--timeout-ms <ms>',
      'per-request limit, above --max-delay-ms; past it the request gets 504 and leaves the queue',
      int('--timeout-ms', ...B.timeoutMs),
      D.timeoutMs,
    )
    .option(
      '--drain-timeout-ms <ms>',
      'on SIGTERM, how long the requests already received may take; the rest then get 503',
      int('--drain-timeout-ms', ...B.drainTimeoutMs),
      D.drainTimeoutMs,
    );
}

/** Addresses that only this machine reaches: binding anything else is worth a warning. */
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

/** The warning for an address other machines can reach (no authentication, no Host check), or null. */
export function bindWarning(host: string): string | null {
  if (LOOPBACK.test(host)) return null;
  return (
    `warning: --host ${host} serves every machine that can reach this one: there is no authentication` +
    `${host === '0.0.0.0' || host === '::' ? ', and requests are not checked by Host' : ''}; ` +
    'put an authenticating proxy in front, or bind 127.0.0.1'
  );
}

/** Checks the combination of limits and the address's form before the model is loaded (exit 2). */
function checkServeOptions(o: Opts): void {
  const flag = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  const problems = serveLimitProblems(o, flag);
  if (problems.length) throw new UsageError(problems.join('; '));
  // Dotted digits that are not an IPv4 address (999.1.1.1) would otherwise go to DNS.
  if (!isIP(o.host) && (/^[\d.]+$/.test(o.host) || !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(o.host)))
    throw new UsageError(`--host ${JSON.stringify(o.host)} is not an IP address or a host name`);
}

/** A failed listen as a sentence; a bad --host or --port is the command line's fault (exit 2). */
function listenError(err: NodeJS.ErrnoException, o: Opts): Error {
  switch (err.code) {
    case 'EADDRINUSE':
      return new UsageError(`port ${o.port} on ${o.host} is in use: pick another with --port (0 picks a free one)`);
    case 'EACCES':
      return new UsageError(`port ${o.port} needs privileges on this system: pick one above 1023 with --port`);
    case 'EADDRNOTAVAIL':
      return new UsageError(`--host ${o.host} is not an address of this machine; use 127.0.0.1 or 0.0.0.0`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return new UsageError(`--host ${o.host} does not resolve to an address; use 127.0.0.1 or 0.0.0.0`);
    default:
      return new Error(`cannot listen on ${o.host}:${o.port}: ${err.message}`);
  }
}
