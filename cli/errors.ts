/**
 * The CLI's exit codes and the errors that carry them: one table, so `--help`, the README and the
 * tests read the same numbers. A user-facing error is a sentence naming the problem and the fix;
 * anything else reaching main() is a bug and is reported as one.
 */
import { BadFileError, BadModelError, BadRequestError } from '../runtime/errors.ts';

export const EXIT = {
  ok: 0,
  /** The work failed (training diverged, a runtime could not run the model, ...). */
  failure: 1,
  /** The command line is wrong: unknown flag, bad value, missing argument (as commander and most CLIs do). */
  usage: 2,
  /** An input file is missing, unreadable, too large or damaged (model, checkpoint, dataset, noise). */
  badInput: 3,
  /** Refused to protect data: an output would overwrite an input or an existing file without --force, or a run is locked. */
  refused: 4,
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

/** A file the user gave cannot be used as it is. */
export class InputError extends CliError {
  constructor(message: string) {
    super(message, EXIT.badInput);
  }
}

/** The command would destroy data (or race another process for it), so it did nothing. */
export class RefusedError extends CliError {
  constructor(message: string) {
    super(message, EXIT.refused);
  }
}

/** The exit code for an error that reached the top of the CLI. */
export function exitCodeOf(e: unknown): ExitCode {
  if (e instanceof CliError) return e.exitCode;
  // The runtime's own kinds (runtime/errors.ts): it cannot import the CLI, so they are mapped here.
  if (e instanceof BadModelError || e instanceof BadFileError) return EXIT.badInput;
  if (e instanceof BadRequestError) return EXIT.usage;
  return EXIT.failure;
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
  `  ${EXIT.interrupted}  stopped by Ctrl-C (training writes a checkpoint first)`,
].join('\n');
