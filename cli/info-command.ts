/** `cgan info`: classes, z size, provenance and a graph summary of an exported .onnx. */
import { Command } from 'commander';
import { promises as fs } from 'node:fs';

export function register(program: Command): void {
  program
    .command('info')
    .description('describe an exported generator: classes, z size, provenance, graph')
    .argument('<model>', '.onnx file written by `cgan export`')
    .option('--json', 'print the metadata and graph summary as JSON')
    .action(async (file: string, o: { json?: boolean }) => {
      const { inspectOnnx, formatInfo } = await import('../export/inspect.ts');
      let bytes: Buffer;
      try {
        bytes = await fs.readFile(file);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw new Error(err.code === 'ENOENT' ? `model file ${file} does not exist; export one with \`cgan export RUN --out ${file}\`` : `cannot read ${file}: ${err.message}`);
      }
      const { info, graph } = inspectOnnx(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
      if (o.json) console.log(JSON.stringify({ file, bytes: bytes.length, info, graph }, null, 2));
      else console.log(formatInfo(file, info, graph, bytes.length));
    });
}
