/**
 * The CLI's exit codes and the errors that carry them: one table, so `--help`, the README and the
 * tests read the same numbers. A user-facing error is a sentence naming the problem and the fix;
 * anything else reaching main() is a bug and is reported as one.
 */
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
  return e instanceof CliError ? e.exitCode : EXIT.failure;
}
