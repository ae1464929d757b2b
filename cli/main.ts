/**
 * `cgan`: one command per pipeline stage. Each subcommand lives in its own file and loads its heavy
 * dependencies (tfjs, onnxruntime) only when it runs, so `cgan info` starts in a fraction of a second.
 */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('cgan')
  .description('Train a conditional WGAN-GP, export its generator to ONNX, run it anywhere.')
  .version(pkg.version)
  .showHelpAfterError();

const modules = [
  './train-command.ts',
  './demo-command.ts',
  './export-command.ts',
  './info-command.ts',
  './generate-command.ts',
  './classifier-command.ts',
  './eval-command.ts',
];
for (const m of modules) {
  const { register } = (await import(m)) as { register: (p: Command) => void };
  register(program);
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Errors meant for users are plain Errors with a message that names the problem and the fix.
  console.error(`cgan: ${(e as Error).message}`);
  process.exitCode = 1;
}
