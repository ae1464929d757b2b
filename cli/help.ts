/**
 * The exit codes, limits and overwrite rules as `--help` prints them, built from the constants that
 * the checks use (cli/errors.ts, runtime/limits.ts, cli/outputs.ts), so the help cannot drift.
 */
import type { Command } from 'commander';
import {
  MAX_CHECKPOINT_BYTES,
  MAX_CLASSES,
  MAX_DATASET_BYTES,
  MAX_DECODED_DATASET_BYTES,
  MAX_IMAGE_FILE_BYTES,
  MAX_IMAGE_SIZE,
  MAX_SOURCE_IMAGE_PIXELS,
  MIN_IMAGE_SIZE,
  IMAGE_SIZE_STEP,
  MAX_GRID_PIXELS,
  MAX_IMAGES_PER_REQUEST,
  MAX_MODEL_BYTES,
  MAX_WORKERS_PER_CORE,
  formatBytes,
} from '../runtime/limits.ts';
import { EXIT_HELP } from './errors.ts';
import { OVERWRITE_HELP } from '../export/outputs.ts';

export const LIMITS_HELP = [
  'Limits:',
  `  images per request (labels x count)  ${MAX_IMAGES_PER_REQUEST.toLocaleString('en-US')}`,
  `  PNG grid (generate --out)            ${(MAX_GRID_PIXELS / 2 ** 20).toFixed(0)} Mi pixels, padding included`,
  `  model file                           ${formatBytes(MAX_MODEL_BYTES)}`,
  "  noise file                           images x zDim x 4 bytes (at most the image limit's worth)",
  `  checkpoint file                      ${formatBytes(MAX_CHECKPOINT_BYTES)}`,
  `  dataset (IDX) file                   ${formatBytes(MAX_DATASET_BYTES + 1)}`,
  `  training image side                  ${MIN_IMAGE_SIZE}-${MAX_IMAGE_SIZE}, a multiple of ${IMAGE_SIZE_STEP}`,
  `  decoded dataset                      ${formatBytes(MAX_DECODED_DATASET_BYTES)} (count x side x side x channels)`,
  `  image in a folder or zip             ${formatBytes(MAX_IMAGE_FILE_BYTES)}, ` +
    `${MAX_SOURCE_IMAGE_PIXELS.toLocaleString('en-US')} pixels by its header`,
  `  classes                              2-${MAX_CLASSES}`,
  `  training workers                     ${MAX_WORKERS_PER_CORE} per CPU core`,
].join('\n');

/** Adds the sections to a command's --help (the program gets all three). */
type Section = 'exit' | 'limits' | 'outputs';

export function addReliabilityHelp(cmd: Command, sections: Section[] = ['exit', 'limits', 'outputs']): void {
  const text = { exit: EXIT_HELP, limits: LIMITS_HELP, outputs: OVERWRITE_HELP };
  cmd.addHelpText('after', '\n' + sections.map((s) => text[s]).join('\n\n'));
}
