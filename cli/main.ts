/**
 * `cgan`: one command per pipeline stage. Each subcommand lives in its own file and loads its heavy
 * dependencies (tfjs, onnxruntime) only when it runs, so `cgan info` starts in a fraction of a second.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { EXIT, exitCodeOf } from './errors.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('cgan')
  .description('Train a conditional WGAN-GP, export its generator to ONNX, run it anywhere.')
  .version(pkg.version)
  .showHelpAfterError()
  // Throw instead of exiting, so usage errors get their own exit code (set before the subcommands,
  // which inherit it).
  .exitOverride();

const modules = [
  './train-command.ts',
  './demo-command.ts',
  './export-command.ts',
  './info-command.ts',
  './generate-command.ts',
  './classifier-command.ts',
  './eval-command.ts',
  './serve-command.ts',
];
for (const m of modules) {
  const { register } = (await import(m)) as { register: (p: Command) => void };
  register(program);
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // commander has printed its message and usage already; --help and --version end here too.
    process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    // Errors meant for users carry a message that names the problem and the fix (cli/errors.ts).
    console.error(`cgan: ${(e as Error).message}`);
    process.exitCode = exitCodeOf(e);
  }
}
