/** `cgan info`: classes, z size, provenance and a graph summary of an exported .onnx. */
import { Command } from 'commander';
import { addReliabilityHelp } from './help.ts';
import { DEFAULT_MODEL, modelOrDefault } from './default-model.ts';
import { noVerifyOption } from './options.ts';

export function register(program: Command): void {
  const cmd = program
    .command('info')
    .description('describe an exported generator: classes, z size, provenance, graph; checks its weights hash')
    .argument('[model]', `.onnx file written by \`cgan export\` (default ${DEFAULT_MODEL})`)
    .option('--json', 'print the metadata and graph summary as JSON')
    .addOption(noVerifyOption())
    .action(async (modelArg: string | undefined, o: { json?: boolean; verify: boolean }) => {
      const file = modelOrDefault(modelArg);
      const { inspectOnnx, formatInfo } = await import('../export/inspect.ts');
      const { readModelFile } = await import('../runtime/files.ts');
      const { verifyWeights } = await import('../runtime/weights-hash.ts');
      const bytes = await readModelFile(file);
      const { model, info, graph } = inspectOnnx(bytes, file);
      // `info` used to print the stored hash of a damaged file as if it held: check it first.
      if (o.verify) await verifyWeights(model, file);
      const verified = o.verify ? 'verified' : 'not verified (--no-verify)';
      if (o.json) console.log(JSON.stringify({ file, bytes: bytes.length, verified: o.verify, info, graph }, null, 2));
      else console.log(`${formatInfo(file, info, graph, bytes.length)}\nweights hash: ${verified}`);
    });
  addReliabilityHelp(cmd, ['exit', 'limits']);
}
