/** Test helper: runs the `cgan` CLI as a user would, in a child process. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CGAN_BIN = fileURLToPath(new URL('../bin/cgan.js', import.meta.url));

export interface CganResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Killed at the time limit (a hang), rather than exiting by itself. */
  timedOut: boolean;
  ms: number;
}

export function runCgan(args: string[], opts: { cwd?: string; timeout?: number } = {}): Promise<CganResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const limit = opts.timeout ?? 120_000;
    execFile(process.execPath, [CGAN_BIN, ...args], { cwd: opts.cwd, timeout: limit, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const e = err as { code?: number; killed?: boolean; signal?: string } | null;
      const ms = performance.now() - t0;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr, timedOut: Boolean(e?.killed && ms >= limit), ms });
    });
  });
}
