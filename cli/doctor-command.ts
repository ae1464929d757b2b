/**
 * `cgan doctor`: what this machine can run. Every training backend (train/backend.ts's table) and
 * every onnxruntime-node execution provider (runtime/devices.ts's table) is tried for real, and
 * each one that does not load is printed with the missing piece and the way to get it.
 */
import { Command } from 'commander';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { defaultModelPath } from './default-model.ts';
import { installHint, tryLoadTraining } from './training.ts';

interface Row {
  name: string;
  ok: boolean;
  detail: string;
  needs?: string;
  install?: string;
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description('show which training backends and execution providers load here, and what to install for the rest')
    .option('--model <file>', '.onnx used to try each execution provider (default: the shipped model)')
    .option('--json', 'print the report as JSON')
    .action(async (o: { model?: string; json?: boolean }) => {
      // The shipped model by the package's own path, so doctor works from any directory.
      const report = await diagnose(o.model ?? defaultModelPath());
      if (o.json) console.log(JSON.stringify(report, null, 2));
      else console.log(formatReport(report));
      // Dawn's device keeps the event loop alive after the probes.
      process.exit(process.exitCode ?? 0);
    });
}

export interface DoctorReport {
  node: string;
  platform: string;
  vulkan?: { loader: string | null; drivers: string[] };
  adapter?: string;
  training: Row[];
  /** Set when the training package (@cgan-onnx/train) is not installed: what to run. */
  trainingPackage?: string;
  providers: Row[];
}

export async function diagnose(model: string): Promise<DoctorReport> {
  const [training, { vulkanFiles }, { DEVICES }] = await Promise.all([
    tryLoadTraining(),
    import('../train/vulkan.ts'),
    import('../runtime/devices.ts'),
  ]);
  const report: DoctorReport = {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    training: [],
    providers: [],
  };
  if (process.platform === 'linux') report.vulkan = vulkanFiles();

  // Execution providers first: onnxruntime's own Dawn starts before tfjs's, in a clean process.
  const eps = Object.keys(DEVICES.node);
  if (!existsSync(model)) {
    for (const ep of eps)
      report.providers.push({
        name: ep,
        ok: false,
        detail: `not tried: ${model} does not exist (pass --model FILE.onnx)`,
      });
  } else {
    const { Generator } = await import('../runtime/node.ts');
    for (const ep of eps) {
      // onnxruntime's own Dawn prints a native warning (with its C++ source path) when it finds no adapter:
      // the webgpu provider is tried in a child process, whose stderr stays there.
      if (ep === 'webgpu') {
        report.providers.push({ name: ep, ...(await providerInChild(ep, model)) });
        continue;
      }
      try {
        const g = await Generator.load(model, { device: ep as 'cpu' });
        await g.generate({ labels: '0', seed: 1 });
        report.providers.push({ name: ep, ok: g.device === ep, detail: `runs (${model}, one image)` });
        await g.dispose();
      } catch (e) {
        report.providers.push({ name: ep, ok: false, detail: (e as Error).message.split('\n')[0] });
      }
    }
  }

  if (!training) report.trainingPackage = `not installed: ${installHint()}`;
  for (const b of training?.TRAINING_BACKENDS ?? []) {
    const p = await training!.probeBackend(b.name);
    if (p.adapter) report.adapter = training!.adapterName(p.adapter);
    const row: Row = { name: b.name, ok: p.ok, detail: p.detail };
    if (!p.ok) Object.assign(row, { needs: b.needs, install: b.install });
    report.training.push(row);
  }
  return report;
}

const PROVIDER_PROBE = `
const { Generator } = await import(process.argv[1]);
const [, , model, device] = process.argv;
let r;
try {
  const g = await Generator.load(model, { device });
  await g.generate({ labels: '0', seed: 1 });
  r = { ok: g.device === device, detail: 'runs (' + model + ', one image)' };
  await g.dispose();
} catch (e) {
  r = { ok: false, detail: String(e?.message ?? e).split('\\n')[0] };
}
process.stdout.write(JSON.stringify(r) + '\\n');
process.exit(0);
`;

/** One execution provider tried in a child process (same Node flags, so it runs from the sources too). */
function providerInChild(ep: string, model: string): Promise<Omit<Row, 'name'>> {
  const entry = new URL(`../runtime/node.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url).href;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...process.execArgv, '--input-type=module', '-e', PROVIDER_PROBE, entry, model, ep],
      { timeout: 120_000 },
      (err, stdout) => {
        try {
          resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as Omit<Row, 'name'>);
        } catch {
          resolve({
            ok: false,
            detail: `the probe process failed: ${String(err?.message ?? 'no output').split('\n')[0]}`,
          });
        }
      },
    );
  });
}

export function formatReport(r: DoctorReport): string {
  const lines = [`node ${r.node} on ${r.platform}`];
  if (r.vulkan) {
    lines.push(
      `vulkan loader: ${r.vulkan.loader ?? 'missing (libvulkan.so.1)'}; ` +
        `drivers: ${r.vulkan.drivers.join(', ') || 'none found'}`,
    );
  }
  lines.push(`webgpu adapter: ${r.adapter ?? (r.trainingPackage ? 'not probed (no training package)' : 'none')}`);
  const section = (title: string, rows: Row[]) => {
    lines.push('', title);
    for (const row of rows) {
      lines.push(`  ${row.ok ? 'yes' : 'no '}  ${row.name.padEnd(15)} ${row.detail}`);
      if (row.needs) lines.push(`       ${''.padEnd(15)} needs:   ${row.needs}`);
      if (row.install) lines.push(`       ${''.padEnd(15)} install: ${row.install}`);
    }
  };
  section('training backends (cgan train --backend; auto tries them in this order)', r.training);
  if (r.trainingPackage) lines.push(`  the training package @cgan-onnx/train is ${r.trainingPackage}`);
  section('execution providers (cgan generate --device, onnxruntime-node)', r.providers);
  return lines.join('\n');
}
