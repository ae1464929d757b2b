/**
 * `cgan demo [model.onnx]`: builds the web demo if needed and serves it on 127.0.0.1, with no
 * network use beyond that socket.
 */
import type { Command } from 'commander';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { readModelInfo } from '../runtime/model-info.ts';

import { DEFAULT_MODEL, defaultModelPath } from './default-model.ts';
import { UsageError } from './errors.ts';
import { BadFileError } from '../runtime/errors.ts';

/**
 * The shipped model (DEFAULT_MODEL) if present, else the newest generator .onnx under models/ or runs/ (a few levels
 * deep). Other .onnx files there (a classifier, a broken export) are passed over.
 */
export function findDefaultModel(root = process.cwd(), shipped = defaultModelPath()): string | null {
  const preferred = shipped;
  if (existsSync(preferred)) return preferred;
  const found: { path: string; mtime: number }[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth < 0 || !existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.')) walk(p, depth - 1);
      else if (e.isFile() && e.name.endsWith('.onnx')) found.push({ path: p, mtime: statSync(p).mtimeMs });
    }
  };
  walk(resolve(root, 'models'), 2);
  walk(resolve(root, 'runs'), 3);
  found.sort((a, b) => b.mtime - a.mtime);
  for (const f of found) {
    try {
      readModelInfo(readFileSync(f.path), f.path);
      return f.path;
    } catch {
      // not a generator: keep looking
    }
  }
  return null;
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`--port must be an integer from 0 to 65535, got "${v}"`);
  return n;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('Serve the web demo (WebGPU or wasm in your browser) at http://127.0.0.1:PORT')
    .argument('[model]', `the .onnx to show (default: ${DEFAULT_MODEL}, else the newest .onnx under models/ or runs/)`)
    .option('--port <n>', 'port to listen on (0 picks a free one)', parsePort, 4173)
    .option('--host <addr>', 'address to bind; the default serves this machine only', '127.0.0.1')
    .option('--rebuild', 'rebuild the page even if web-demo/dist looks current')
    .action(async (modelArg: string | undefined, opts: { port: number; host: string; rebuild?: boolean }) => {
      const { ensureDemoBuilt } = await import('../web-demo/build.ts');
      const { checkModel, startDemoServer, NO_MODEL_MESSAGE } = await import('../web-demo/server.ts');
      let model: string | null;
      if (modelArg !== undefined) {
        model = resolve(modelArg);
        if (!existsSync(model))
          throw new BadFileError(
            `Model file not found: ${modelArg}. Export one with \`npx cgan export <run-dir>\`, ` +
              `or leave the argument out to use ${DEFAULT_MODEL}.`,
          );
      } else {
        model = findDefaultModel();
      }
      // A bad model fails now, not after a page build.
      if (model) await checkModel(model);
      await ensureDemoBuilt({ force: opts.rebuild, log: (m) => console.log(m) });
      const demo = await startDemoServer({ model, host: opts.host, port: opts.port });
      const shown = model && relative(process.cwd(), model);
      if (model) console.log(`Model: ${shown && !shown.startsWith('..') ? shown : model}`);
      else console.warn(`Warning: ${NO_MODEL_MESSAGE}`);
      console.log(`Demo: ${demo.url}`);
      console.log('Press Ctrl+C to stop.');
      const stop = () => void demo.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
