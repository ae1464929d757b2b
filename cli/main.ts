/**
 * `cgan`: one command per pipeline stage. Each subcommand lives in its own file and loads its heavy
 * dependencies (tfjs, onnxruntime) only when it runs, so `cgan info` starts in a fraction of a second.
 */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { fsErrorSentence } from '../runtime/files.ts';
import { EXIT, exitCodeOf } from './errors.ts';
import { addReliabilityHelp } from './help.ts';

// By the package's own name (its exports map lists package.json): the same from the sources and from dist/.
const pkg = createRequire(import.meta.url)('cgan-onnx/package.json') as { version: string };

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
  './noise-command.ts',
  './classifier-command.ts',
  './eval-command.ts',
  './doctor-command.ts',
  './serve-command.ts',
];
for (const m of modules) {
  const { register } = (await import(m)) as { register: (p: Command) => void };
  register(program);
}

addReliabilityHelp(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // commander has printed its message and usage already; --help and --version end here too.
    process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    // Errors meant for users carry a message that names the problem and the fix (cli/errors.ts).
    // A raw Node file error that no command turned into a sentence still gets one, naming the file.
    const err = e as NodeJS.ErrnoException;
    const raw = typeof err?.code === 'string' && typeof err.syscall === 'string' && typeof err.path === 'string';
    const message = raw
      ? fsErrorSentence(err, err.path!, /write|open|rename|mkdir/.test(err.syscall!) ? 'write' : 'read')
      : err?.message;
    console.error(`cgan: ${message}`);
    process.exitCode = raw ? EXIT.badInput : exitCodeOf(e);
  }
}
