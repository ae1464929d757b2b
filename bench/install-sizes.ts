/**
 * Tarball sizes and what each kind of user installs: packs the three packages, installs them into
 * fresh projects from the npm cache, and prints node_modules sizes and whether the packages each
 * install must not bring are absent.
 *
 * Usage: node --import tsx bench/install-sizes.ts
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installProject, installedPackages, packAll, treeBytes } from '../test/packages.ts';

const MB = (b: number) => (b < 1e6 ? `${(b / 1e3).toFixed(1)} kB` : `${(b / 1e6).toFixed(1)} MB`);
/** What a Node-only / page install must not contain. */
const HEAVY = [
  'onnxruntime-web',
  'onnxruntime-node',
  '@tensorflow/tfjs',
  'vite',
  'vega',
  'vega-lite',
  '@resvg/resvg-js',
  'tsx',
];

const work = mkdtempSync(join(tmpdir(), 'cgan-bench-install-'));
try {
  const t = await packAll(join(work, 'tarballs'));
  for (const [name, file] of Object.entries(t))
    console.log(`tarball ${name.padEnd(8)} ${MB(statSync(file).size)}  ${file.split('/').pop()}`);
  const kinds: [string, string[]][] = [
    ['Node service: @cgan-onnx/runtime onnxruntime-node', [t.runtime, 'onnxruntime-node@1.30.0']],
    ['web app:      @cgan-onnx/runtime onnxruntime-web', [t.runtime, 'onnxruntime-web@1.30.0']],
    ['static page:  @cgan-onnx/element', [t.element]],
    ['CLI:          cgan-onnx', [t.cli]],
  ];
  for (const [i, [what, specs]] of kinds.entries()) {
    const dir = join(work, `p${i}`);
    await installProject(dir, specs);
    const pkgs = installedPackages(dir);
    const brought = HEAVY.filter((h) => pkgs.includes(h));
    console.log(
      `${what}: ${MB(treeBytes(join(dir, 'node_modules')))} in node_modules, ${pkgs.length} packages; ` +
        `of [${HEAVY.join(', ')}]: ${brought.join(', ') || 'none'}`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
