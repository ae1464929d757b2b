/** `cgan export`: checkpoint -> .onnx, with a parity report against the tfjs generator. */
import { Command, Option } from 'commander';
import { addReliabilityHelp } from './help.ts';

export function register(program: Command): void {
  const cmd = program
    .command('export')
    .description('export the generator of a training run to ONNX; checks it against tfjs and fails if they differ')
    .argument('<run>', 'run directory written by `cgan train --out DIR`, or its checkpoint.safetensors')
    .requiredOption('--out <file>', 'the .onnx file to write')
    .option('--fp16', 'also write <out>.fp16.onnx with float16 weights (inputs, outputs and compute stay float32)')
    .addOption(new Option('--weights <which>', "generator weights: the run's weight average (ema) or the last iterate (raw); default ema when the checkpoint has it").choices(['ema', 'raw']))
    .option('--force', 'replace existing files at --out (and its .fp16.onnx)')
    .action(async (run: string, o: { out: string; fp16?: boolean; weights?: 'ema' | 'raw'; force?: boolean }) => {
      const { exportGenerator } = await import('../export/export.ts');
      const t0 = performance.now();
      const r = await exportGenerator(run, { out: o.out, fp16: o.fp16, weights: o.weights, force: o.force, log: (l) => console.log(l) });
      const m = r.metadata;
      console.log(`wrote ${r.file} (${(r.bytes / 1e6).toFixed(2)} MB): ${m.num_classes} classes, z ${m.z_dim}, step ${m['checkpoint.step'] || '?'}, ${m['checkpoint.weights']} weights, sha256 ${m.weights_sha256.slice(0, 16)}...`);
      if (r.fp16) console.log(`wrote ${r.fp16.file} (${(r.fp16.bytes / 1e6).toFixed(2)} MB), float16 weights, max abs diff ${r.fp16.parity.maxAbsDiff.toExponential(2)}`);
      console.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    });
  addReliabilityHelp(cmd, ['exit', 'outputs']);
}
