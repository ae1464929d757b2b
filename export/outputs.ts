/**
 * The overwrite rules, in one place: every command checks its output paths here before it does any
 * work, and writes them here, so a bad path fails in a second rather than after an hour, and a
 * failed write never leaves half a file or destroys the old one.
 *
 * 1. An output that is one of the command's inputs is always refused (even with --force).
 * 2. An existing model (.onnx) or checkpoint (.safetensors) is replaced only with --force
 *    (`cgan export` asks --force for any existing file at --out).
 * 3. An output must be a regular file (or a symlink to one) when it exists: a directory, a device,
 *    a FIFO or a socket is never replaced (the atomic rename would put a file in its place), and its
 *    directory must exist and be writable.
 * 4. `-` is standard output, for the commands and formats that allow it (stdoutAllowed).
 */
import { constants, existsSync, promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import { fsErrorSentence } from '../runtime/files.ts';
import { BadFileError, BadRequestError, RefusedError } from '../runtime/errors.ts';

/** Extensions of the files rule 2 protects. */
export const PROTECTED_EXTENSIONS = ['.onnx', '.safetensors'];

export const OVERWRITE_HELP = [
  'Outputs:',
  '  An output path that is also an input of the command is always refused.',
  '  An existing model (.onnx) or checkpoint (.safetensors) is replaced only with --force.',
  '  Output paths are checked before the work starts: a regular file (never a directory, device',
  '  or FIFO, which are refused), in a writable directory. `--out -` writes to standard output',
  '  where the format allows it.',
].join('\n');

/** The path that means standard output. */
export const STDOUT = '-';

export interface Output {
  file: string;
  /** The flag that named it, for messages: "--out". */
  flag: string;
}

export interface OutputRules {
  /** Files (or run directories) the command reads. */
  inputs: string[];
  force?: boolean;
  /** Refuse any existing file without --force, not only models and checkpoints (export). */
  anyExisting?: boolean;
  /** Create a missing directory for the output instead of refusing (export's models/ dir). */
  createDirs?: boolean;
  /** Flags whose output may be `-` (standard output); any other `-` is a usage error. */
  stdoutAllowed?: string[];
}

/** What a non-regular file is, for messages. */
function kindOf(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Refuses (exit 4) an existing output that is not a regular file or a symlink to one. */
function refuseSpecial(st: import('node:fs').Stats, flag: string, file: string): void {
  if (st.isFile() || st.isDirectory()) return;
  throw new RefusedError(
    `${flag} ${file} is ${kindOf(st)}, not a regular file; writing there would replace it: give a file path` +
      ' (or - for standard output, where the command allows it)',
  );
}

/** Same file: by device and inode when both exist (hard links, symlinks), else by resolved path. */
function sameFile(a: string, b: string): boolean {
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return path.resolve(a) === path.resolve(b);
  }
}

/** Applies the three rules to each output; throws RefusedError (exit 4) or BadFileError (exit 3). */
export async function checkOutputs(outputs: Output[], rules: OutputRules): Promise<void> {
  for (const { file, flag } of outputs) {
    if (file === STDOUT) {
      if (rules.stdoutAllowed?.includes(flag)) continue;
      throw new BadRequestError(
        `${flag} -: this output cannot go to standard output; give a file path` +
          (rules.stdoutAllowed?.length ? ` (only ${rules.stdoutAllowed.join(', ')} may be -)` : ''),
      );
    }
    for (const input of rules.inputs) {
      if (sameFile(file, input)) {
        throw new RefusedError(
          `${flag} ${file} is also an input of this command; writing it would destroy it: choose another path`,
        );
      }
    }
    let st: import('node:fs').Stats | undefined;
    try {
      st = await fs.stat(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new BadFileError(`${flag}: ${fsErrorSentence(e, file, 'write')}`);
    }
    if (st?.isDirectory()) {
      throw new BadFileError(`${flag} ${file} is a directory; give a file path, e.g. ${path.join(file, 'out')}`);
    }
    if (st) refuseSpecial(st, flag, file);
    if (st && !rules.force) {
      const ext = path.extname(file).toLowerCase();
      if (rules.anyExisting || PROTECTED_EXTENSIONS.includes(ext)) {
        const kind = ext === '.safetensors' ? 'a checkpoint' : ext === '.onnx' ? 'a model' : 'a file';
        throw new RefusedError(`${flag} ${file} exists (${kind}); pass --force to replace it, or choose another path`);
      }
    }
    await checkDirectory(path.dirname(path.resolve(file)), flag, file, rules.createDirs ?? false);
  }
}

async function checkDirectory(dir: string, flag: string, file: string, create: boolean): Promise<void> {
  // The nearest existing ancestor decides: it must be a writable directory.
  let probe = dir;
  while (!existsSync(probe) && path.dirname(probe) !== probe) probe = path.dirname(probe);
  if (probe !== dir && !create) {
    throw new BadFileError(`${flag} ${file}: directory ${dir} does not exist; create it first`);
  }
  const st = await fs.stat(probe);
  if (!st.isDirectory()) throw new BadFileError(`${flag} ${file}: ${probe} is a file, not a directory; check the path`);
  try {
    await fs.access(probe, constants.W_OK);
  } catch {
    throw new BadFileError(`${flag} ${file}: cannot write to ${probe} (permission denied); choose another path`);
  }
}

/**
 * Writes a file atomically: a temporary file beside it, then a rename, so a failed write (disk
 * full) leaves the old file as it was and no temporary file behind. `-` writes to standard output.
 * `exclusive`: the file must not exist when it is put in place (a hard link, which fails if it
 * does), so two commands racing to one new path cannot both succeed: the loser is refused (exit 4).
 * What is at the path is checked again just before (checkOutputs ran before the work, maybe
 * minutes ago): a device or FIFO that appeared since is refused, not replaced.
 */
export async function writeOutput(file: string, bytes: Uint8Array, flag = 'output', exclusive = false): Promise<void> {
  if (file === STDOUT) return writeStdout(bytes, flag);
  const st = await fs.stat(file).catch(() => undefined);
  if (st) refuseSpecial(st, flag, file);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
    await fs.writeFile(tmp, bytes);
    if (exclusive) await placeExclusive(tmp, file, flag);
    else await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    if (e instanceof RefusedError) throw e;
    throw new BadFileError(`${flag}: ${fsErrorSentence(e, file, 'write')}`);
  }
}

/** Puts `tmp` at `file` only if nothing is there; a file system without hard links copies exclusively. */
async function placeExclusive(tmp: string, file: string, flag: string): Promise<void> {
  try {
    try {
      await fs.link(tmp, file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EXDEV') throw e;
      await fs.copyFile(tmp, file, constants.COPYFILE_EXCL);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    throw new RefusedError(
      `${flag} ${file} was created by another process while this one worked; pass --force to replace it, ` +
        'or choose another path',
    );
  }
  await fs.rm(tmp, { force: true });
}

/** Standard output, waiting for the pipe to take it all (a closed pipe is an error naming the flag). */
function writeStdout(bytes: Uint8Array, flag: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(bytes, (e) =>
      e ? reject(new BadFileError(`${flag} -: cannot write to standard output: ${e.message}`)) : resolve(),
    );
  });
}
