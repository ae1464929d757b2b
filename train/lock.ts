/**
 * The run-directory lock: `RUN/.lock` holds the pid of the training that owns the run, so a second
 * `cgan train` on the same directory is refused instead of interleaving its steps into
 * metrics.jsonl and racing the checkpoint. A lock whose process is gone (killed, crashed) is stale:
 * the next run takes it over and says so.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RefusedError } from '../runtime/errors.ts';

export const LOCK_FILE = '.lock';

export interface RunLock {
  file: string;
  release(): Promise<void>;
}

/** True while a process with this pid exists (EPERM: it exists, owned by someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(file: string): Promise<{ pid: number; host: string } | null> {
  try {
    const [pid, host] = (await fs.readFile(file, 'utf8')).trim().split(/\s+/);
    return Number.isInteger(Number(pid)) && Number(pid) > 0 ? { pid: Number(pid), host: host ?? '' } : null;
  } catch {
    return null;
  }
}

/**
 * Takes the lock on `dir` (created if missing) or throws RefusedError naming the pid that holds it.
 * `log` hears about a stale lock taken over.
 */
export async function lockRun(dir: string, log: (m: string) => void): Promise<RunLock> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const mine = `${process.pid} ${os.hostname()}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // 'wx': created only if absent, atomically, so two starting runs cannot both get it.
      await fs.writeFile(file, mine, { flag: 'wx' });
      return { file, release: () => release(file, mine) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = await readOwner(file);
    if (owner && owner.host === os.hostname() && alive(owner.pid)) {
      throw new RefusedError(
        `${dir} is in use by another training (pid ${owner.pid}, lock ${file}); wait for it to finish or stop it, ` +
          `or train into another --out`,
      );
    }
    if (owner && owner.host !== os.hostname()) {
      throw new RefusedError(
        `${dir} is locked by pid ${owner.pid} on ${owner.host} (${file}); if that run is gone, delete ${file}`,
      );
    }
    const who = owner ? ` left by pid ${owner.pid}, which is no longer running` : ' (unreadable)';
    log(`note: taking over a stale lock ${file}${who}`);
    await fs.rm(file, { force: true });
  }
  throw new RefusedError(
    `could not take the lock ${file}: another process keeps taking it; is a second training starting?`,
  );
}

async function release(file: string, mine: string): Promise<void> {
  // Remove it only if it is still ours (a stale-lock takeover by another run must keep its lock).
  if ((await fs.readFile(file, 'utf8').catch(() => '')) === mine) await fs.rm(file, { force: true });
}
