/**
 * The CLI's exit codes: one table, so `--help`, the README and the tests read the same numbers. The
 * stages below the CLI (train, export, runtime) throw the kinds in runtime/errors.ts, the bottom of
 * the data flow, since they must not import the CLI; this file maps each kind to its code. A
 * user-facing error is a sentence naming the problem and the fix; anything else is a failure (1).
 */
import { BadFileError, BadModelError, BadRequestError, RefusedError } from '../runtime/errors.ts';

export const EXIT = {
  ok: 0,
  /** The work failed (training diverged, a runtime could not run the model, ...). */
  failure: 1,
  /** The command line is wrong: unknown flag, bad value, missing argument (as commander and most CLIs do). */
  usage: 2,
  /** An input file is missing, unreadable, too large or damaged (model, checkpoint, dataset, noise). */
  badInput: 3,
  /**
   * Refused to protect data: an output would overwrite an input or an existing file without --force, or a run is
   * locked.
   */
  refused: 4,
  /**
   * A package the command needs is not installed: the training commands need @cgan-onnx/train (an inference
   * install of the CLI leaves the training stack out, docs/packages.md).
   */
  notInstalled: 5,
  /** Stopped by Ctrl-C / SIGINT (128 + 2, as shells report it). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad flags or arguments. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** The exit code for an error that reached the top of the CLI. */
export function exitCodeOf(e: unknown): ExitCode {
  if (e instanceof CliError) return e.exitCode;
  if (e instanceof BadModelError || e instanceof BadFileError) return EXIT.badInput;
  if (e instanceof BadRequestError) return EXIT.usage;
  if (e instanceof RefusedError) return EXIT.refused;
  // The training package compiles in its own copy of runtime/errors.ts, so its errors are not instances of
  // the classes above: tell them by name (each class sets its own).
  const byName: Record<string, ExitCode> = {
    BadModelError: EXIT.badInput,
    BadFileError: EXIT.badInput,
    BadRequestError: EXIT.usage,
    RefusedError: EXIT.refused,
  };
  return (e instanceof Error && byName[e.name]) || EXIT.failure;
}

/** The exit-code table as `--help` prints it (README's CLI section says the same). */
export const EXIT_HELP = [
  'Exit codes:',
  `  ${EXIT.ok}    done`,
  `  ${EXIT.failure}    the work failed (training diverged, a runtime could not run the model, ...)`,
  `  ${EXIT.usage}    the command line is wrong (unknown flag, bad value, over a limit)`,
  `  ${EXIT.badInput}    a file given is missing, unreadable, too big or damaged (model, checkpoint, data, noise),`,
  '       or an output path cannot be written (a directory, no such directory, no permission, disk full)',
  `  ${EXIT.refused}    refused, to protect data: an output would replace an input, or an existing model or`,
  '       checkpoint without --force, or another process holds the run directory',
  `  ${EXIT.notInstalled}    a package the command needs is not installed (train, export RUN, eval and classifier`,
  '       need @cgan-onnx/train: npm install -g @cgan-onnx/train)',
  `  ${EXIT.interrupted}  stopped by Ctrl-C (training writes a checkpoint first)`,
].join('\n');
