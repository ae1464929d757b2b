/**
 * Node-only file helpers for the runtime and the CLI: reading a file the user named with its size
 * checked first, and raw Node errors (EISDIR, ENOTDIR, ENOSPC, ...) turned into sentences that name
 * the file and the fix. Not imported by the browser entry.
 */
import { concatBytes } from './bytes.ts';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BadModelError } from './errors.ts';
import { formatBytes, MAX_MODEL_BYTES } from './limits.ts';

/** Why a file operation failed, as a sentence naming the file; `action` is "read" or "write". */
export function fsErrorSentence(e: unknown, file: string, action: 'read' | 'write' = 'read'): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ENOENT':
      if (action === 'read') return `${file} does not exist`;
      return `cannot write ${file}: its directory does not exist; create it first`;
    case 'EISDIR':
      return `${file} is a directory; give a file path`;
    case 'ENOTDIR':
      return `${file}: a part of this path is a file, not a directory; check the path`;
    case 'EACCES':
    case 'EPERM':
      return `cannot ${action} ${file}: permission denied; check the file's permissions or choose another path`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `cannot write ${file}: the disk is full (or over quota); free some space and run the command again`;
    case 'EROFS':
      return `cannot write ${file}: the file system is read-only; choose another path`;
    case 'ELOOP':
      return `${file}: too many symbolic links (a link loop?); check the path`;
    case 'ENAMETOOLONG':
      return `${file}: the path is too long`;
    case 'EMFILE':
    case 'ENFILE':
      return `cannot open ${file}: too many open files; close some programs and try again`;
    default:
      return `cannot ${action} ${file}: ${err?.message ?? String(e)}`;
  }
}

export interface ReadOptions {
  /** Largest size accepted, in bytes (a limit from runtime/limits.ts). */
  maxBytes: number;
  /** What the file is, for messages: "model file", "noise file", ... */
  what: string;
  /** Said after "does not exist": how to get the file. */
  missingHint?: string;
  /** Where the limit comes from, e.g. "the model size limit". */
  limitName?: string;
  /** The error class to throw (the caller's kind: bad model, bad file, ...). */
  error?: new (
    message: string,
  ) => Error;
}

/**
 * Reads a whole file after checking its size, so /dev/zero or a 20 GB file fails with a message
 * instead of filling memory. Devices (no size to check) are read up to the limit; a named pipe is refused.
 */
export async function readFileChecked(file: string, o: ReadOptions): Promise<Uint8Array> {
  const E = o.error ?? Error;
  const limit = `${o.limitName ?? 'the limit'} of ${formatBytes(o.maxBytes)}`;
  const tooBig = (what: string) => new E(`${o.what} ${file} ${what} ${limit}; is it the right file?`);
  let handle: fs.FileHandle;
  try {
    // Opening a named pipe waits for a writer, forever if none comes: refuse it before opening.
    if ((await fs.stat(file)).isFIFO())
      throw new E(`${o.what} ${file} is a FIFO (named pipe), not a regular file; give the file itself`);
    handle = await fs.open(file, 'r');
  } catch (e) {
    if (e instanceof E) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new E(`${o.what} ${file} does not exist${o.missingHint ? `; ${o.missingHint}` : ''}`);
    throw new E(`${o.what}: ${fsErrorSentence(e, file)}`);
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw new E(`${o.what} ${file} is a directory; give the file itself`);
    if (st.isFile()) {
      if (st.size > o.maxBytes) throw tooBig(`is ${formatBytes(st.size)}, over`);
      const b = await handle.readFile();
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    }
    // A device or a pipe: read in chunks, and stop as soon as it passes the limit.
    const chunks: Uint8Array[] = [];
    let n = 0;
    for (;;) {
      const chunk = new Uint8Array(1 << 20);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      n += bytesRead;
      if (n > o.maxBytes) throw tooBig('is not a regular file and holds more than');
    }
    return concatBytes(chunks);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code) throw new E(`${o.what}: ${fsErrorSentence(e, file)}`);
    throw e;
  } finally {
    await handle.close();
  }
}

/** A model file's bytes, size-checked first; a missing or unreadable file is a BadModelError naming it. */
export async function readModelFile(file: string): Promise<Uint8Array> {
  return readFileChecked(file, {
    what: 'model file',
    maxBytes: MAX_MODEL_BYTES,
    limitName: 'the model size limit',
    missingHint: `export one with \`cgan export RUN --out ${file}\``,
    error: BadModelError,
  });
}

/**
 * Writes `parts` to `file` through a temporary file that is flushed to disk and then renamed over
 * it, so a crash at any moment leaves the old file or the new one, never half of one; a failed write
 * removes the temporary file (a full disk must not stay full of it) and throws the system's error.
 */
export async function writeFileDurably(file: string, parts: Uint8Array[]): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
    const handle = await fs.open(tmp, 'w');
    try {
      // writeFile appends from the current position until all is written (write() may stop short).
      for (const part of parts) await handle.writeFile(part);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}
