/** The model `cgan generate`, `cgan eval` and `cgan demo` use when none is named. */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { BadFileError } from '../runtime/errors.ts';

/** Shipped by the quality work (models/README.md is its model card), relative to the package root. */
export const DEFAULT_MODEL = 'models/mnist-cwgan.onnx';

/**
 * The shipped model's path: next to the package's own files, found by the package's own name (its
 * exports map lists package.json), so it is the same from the sources, from dist/ and from a global
 * install, whatever the current directory.
 */
export function defaultModelPath(): string {
  return resolve(dirname(createRequire(import.meta.url).resolve('cgan-onnx/package.json')), DEFAULT_MODEL);
}

/** The named model, else the shipped one; a missing shipped model is an error that says what to pass. */
export function modelOrDefault(named: string | undefined, shipped = defaultModelPath()): string {
  if (named !== undefined) return named;
  if (!existsSync(shipped)) {
    throw new BadFileError(
      `no model named and the default model ${shipped} does not exist: ` +
        `pass an .onnx written by \`cgan export RUN --out FILE.onnx\``,
    );
  }
  return shipped;
}
