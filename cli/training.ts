/**
 * The CLI's one door to the training side. `cgan train`, `cgan export RUN`, `cgan eval` and `cgan classifier`
 * run code that needs TensorFlow.js, Dawn (webgpu), the bundled MNIST and the chart renderer: several hundred MB
 * that an inference user (`generate`, `info`, `serve`, `doctor`, `demo`) never needs. They live in the
 * @cgan-onnx/train package, imported here by name only when one of those commands runs; when it is not installed
 * the command says what to install and exits 5. In the repository it is the train/ workspace.
 */
import { createRequire } from 'node:module';
import { CliError, EXIT } from './errors.ts';

export type Training = typeof import('@cgan-onnx/train');

export const TRAIN_PACKAGE = '@cgan-onnx/train';

/** What to run, for the message and `cgan doctor`. */
export function installHint(version = cliVersion()): string {
  return (
    `npm install -g ${TRAIN_PACKAGE}@${version} (next to a global cgan-onnx; ` +
    `in a project: npm install ${TRAIN_PACKAGE}; in a clone of the repository: npm ci)`
  );
}

function cliVersion(): string {
  return (createRequire(import.meta.url)('cgan-onnx/package.json') as { version: string }).version;
}

export class NotInstalledError extends CliError {
  constructor(message: string) {
    super(message, EXIT.notInstalled);
  }
}

/** True when `e` says the training package itself (not something inside it) cannot be found. */
function packageMissing(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException;
  return (
    (err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND') &&
    new RegExp(`['"]${TRAIN_PACKAGE}['"]`).test(String(err.message))
  );
}

let loaded: Promise<Training> | undefined;

/**
 * The training package, ready to run: it gets this CLI's onnxruntime-node runtime (export's parity check and eval
 * run models on it), so it needs no copy of its own. `command` names what needs it, for the message.
 */
export function loadTraining(command: string): Promise<Training> {
  loaded ??= (async () => {
    let t: Training;
    try {
      // A variable, so the CLI's build does not follow it into the training sources.
      const name: string = TRAIN_PACKAGE;
      t = (await import(name)) as Training;
    } catch (e) {
      loaded = undefined;
      if (!packageMissing(e)) throw e;
      throw new NotInstalledError(
        `\`${command}\` needs the training package, which is not installed: ${installHint()}. ` +
          'generate, info, serve, demo, doctor and export --triton of an .onnx work without it',
      );
    }
    const version = cliVersion();
    if (t.VERSION !== version) {
      loaded = undefined;
      throw new NotInstalledError(
        `${TRAIN_PACKAGE} ${t.VERSION} is installed, but this cgan-onnx is ${version}: they are released together; ` +
          `install the matching one: npm install -g ${TRAIN_PACKAGE}@${version}`,
      );
    }
    // Both are compiled from runtime/node.ts; the training package's declaration of it is a copy, so the
    // classes are nominally different types.
    t.useNodeRuntime((await import('../runtime/node.ts')) as unknown as Parameters<Training['useNodeRuntime']>[0]);
    return t;
  })();
  return loaded;
}

/** The training package if it is installed, else null (`cgan doctor` reports either). */
export async function tryLoadTraining(): Promise<Training | null> {
  try {
    return await loadTraining('cgan doctor');
  } catch (e) {
    if (e instanceof NotInstalledError) return null;
    throw e;
  }
}
