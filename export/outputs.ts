/**
 * The overwrite rules, in one place: every command checks its output paths here before it does any
 * work, and writes them here, so a bad path fails in a second rather than after an hour, and a
 * failed write never leaves half a file or destroys the old one.
 *
 * 1. An output that is one of the command's inputs is always refused (even with --force).
 * 2. An existing model (.onnx) or checkpoint (.safetensors) is replaced only with --force
 *    (`cgan export` asks --force for any existing file at --out).
 * 3. An output must not be a directory, and its directory must exist and be writable.
 */
import { constants, existsSync, promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import { fsErrorSentence } from '../runtime/files.ts';
import { BadFileError, RefusedError } from '../runtime/errors.ts';

/** Extensions of the files rule 2 protects. */
export const PROTECTED_EXTENSIONS = ['.onnx', '.safetensors'];

export const OVERWRITE_HELP = [
  'Outputs:',
  '  An output path that is also an input of the command is always refused.',
  '  An existing model (.onnx) or checkpoint (.safetensors) is replaced only with --force.',
  '  Output paths are checked before the work starts: not a directory, in a writable directory.',
].join('\n');

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
 * full) leaves the old file as it was and no temporary file behind.
 */
export async function writeOutput(file: string, bytes: Uint8Array, flag = 'output'): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw new BadFileError(`${flag}: ${fsErrorSentence(e, file, 'write')}`);
  }
}
