/** Test helper: runs the `cgan` CLI as a user would, in a child process. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CGAN_BIN = fileURLToPath(new URL('../bin/cgan.js', import.meta.url));

export interface CganResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCgan(args: string[], opts: { cwd?: string; timeout?: number } = {}): Promise<CganResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CGAN_BIN, ...args], { cwd: opts.cwd, timeout: opts.timeout ?? 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
