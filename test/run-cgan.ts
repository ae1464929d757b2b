/** Test helper: runs the `cgan` CLI as a user would, in a child process. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Node arguments that start the CLI from its TypeScript sources through tsx's loader, so tests never
 * run a stale dist/ (the package's bin/cgan.js runs the compiled dist/cli/main.js; the consumer
 * test, test/consumer.test.ts, runs that one).
 */
export const CGAN_ARGV = [
  // The training package (@cgan-onnx/train, imported by name) from its sources too, as `npm test` runs.
  '--conditions=source',
  '--import',
  import.meta.resolve('tsx'),
  fileURLToPath(new URL('../cli/main.ts', import.meta.url)),
];

export interface CganResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Killed at the time limit (a hang), rather than exiting by itself. */
  timedOut: boolean;
  ms: number;
}

export function runCgan(
  args: string[],
  opts: { cwd?: string; timeout?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CganResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const limit = opts.timeout ?? 120_000;
    execFile(
      process.execPath,
      [...CGAN_ARGV, ...args],
      { cwd: opts.cwd, env: opts.env, timeout: limit, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const e = err as { code?: number; killed?: boolean; signal?: string } | null;
        const ms = performance.now() - t0;
        resolve({
          code: e ? (typeof e.code === 'number' ? e.code : 1) : 0,
          stdout,
          stderr,
          timedOut: Boolean(e?.killed && ms >= limit),
          ms,
        });
      },
    );
  });
}
