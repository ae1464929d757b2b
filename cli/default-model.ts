/** The model `cgan generate`, `cgan eval` and `cgan demo` use when none is named. */
import { existsSync } from 'node:fs';
import { InputError } from './errors.ts';

/** Shipped by the quality work (models/README.md is its model card). */
export const DEFAULT_MODEL = 'models/mnist-cwgan.onnx';

/** The named model, else the default one; a missing default is an error that says what to pass. */
export function modelOrDefault(named: string | undefined): string {
  if (named !== undefined) return named;
  if (!existsSync(DEFAULT_MODEL)) {
    throw new InputError(`no model named and ${DEFAULT_MODEL} does not exist: pass an .onnx written by \`cgan export RUN --out FILE.onnx\``);
  }
  return DEFAULT_MODEL;
}
