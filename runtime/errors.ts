/**
 * The kinds of caller mistake every stage (runtime, train, export) reports, so a CLI, a server or a
 * page can tell them apart from work that failed: a file is unusable, the request asks for something
 * invalid, or the work was refused to protect data. They live here, at the bottom of the data flow,
 * so every stage can import them; browser-safe. The CLI maps them to exit codes (cli/errors.ts).
 */

/** The model bytes, or a file the caller named, cannot be used: missing, too big, damaged, not ours. */
export class BadModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadModelError';
  }
}

/** A file other than the model (noise, checkpoint, dataset, an output path) cannot be used. */
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

/** The work would destroy data (an output over an input or an existing model) or race another process for it. */
export class RefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedError';
  }
}
