/**
 * The runtime's two kinds of caller mistake, so a CLI or a page can tell them apart from a runtime
 * that failed: the model (or another file) is unusable, or the request asks for something invalid.
 * Browser-safe; the CLI maps them to its exit codes (cli/errors.ts).
 */

/** The model bytes, or a file the caller named, cannot be used: missing, too big, damaged, not ours. */
export class BadModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadModelError';
  }
}

/** A file other than the model (noise, ...) cannot be used. */
export class BadFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadFileError';
  }
}

/** The request is invalid or over a limit (labels, seed, noise values, image count). */
export class BadRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequestError';
  }
}
