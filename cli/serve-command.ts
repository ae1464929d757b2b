/** `cgan serve [model.onnx]`: the generator over HTTP (Open Inference Protocol v2), with batching. */
import { Command, Option } from 'commander';
import { type Device, deviceNames } from '../runtime/devices.ts';
import type { OnnxSummary } from '../runtime/model-info.ts';
import type { ServerOptions } from '../serve/server.ts';
import { MODEL_NAME, SERVE_DEFAULTS as D, modelNameOf } from '../serve/defaults.ts';
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
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EADDRINUSE')
        throw new Error(`port ${o.port} on ${o.host} is in use: pick another with --port (0 picks a free one)`);
      throw new Error(`cannot listen on ${o.host}:${o.port}: ${err.message}`);
    }
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
    console.log(`${signal}: finishing ${server.batcher.depth} queued images and the requests in flight, then stopping`);
    await server.close();
    await g.dispose();
    console.log('stopped');
    process.exitCode = signal === 'SIGINT' ? EXIT.interrupted : EXIT.ok;
  });
  cmd
    .option('--port <n>', 'port to listen on (0 picks a free one)', int('--port', 0, 65535), D.port)
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
      int('--max-batch', 1, 65536),
      D.maxBatch,
    )
    .option(
      '--max-delay-ms <ms>',
      'how long a request waits for others to join its batch',
      num('--max-delay-ms', 0, 10000),
      D.maxDelayMs,
    )
    .option(
      '--max-queue <n>',
      'images waiting before new requests get 503 + Retry-After',
      int('--max-queue', 1),
      D.maxQueue,
    )
    .option('--max-images <n>', 'most images in one request (413 beyond)', int('--max-images', 1, 65536), D.maxImages)
    .option('--max-body-bytes <n>', 'largest request body (413 beyond)', int('--max-body-bytes', 1024), D.maxBodyBytes)
    .option(
      '--timeout-ms <ms>',
      'per-request limit; past it the request gets 504 and leaves the queue',
      int('--timeout-ms', 1),
      D.timeoutMs,
    );
}
