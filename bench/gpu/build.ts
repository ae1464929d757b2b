/**
 * Builds the GPU benchmark bundle, bench/gpu/dist/payload.tar.xz, for a machine with no network
 * and no Node (docs/gpu.md): this Node binary, bench/gpu/bench.ts bundled by esbuild into a few
 * .mjs files, the native parts that cannot be bundled (onnxruntime-node's binding and
 * libonnxruntime, Dawn's dawn.node), tfjs's wasm binaries, and Debian's Vulkan loader packages
 * (apt-get download). xz keeps it, with the repository, inside the 64 MiB such a machine takes with
 * one command.
 *   node --import tsx bench/gpu/build.ts        then on the GPU machine: bash bench/gpu/run.sh
 */
import { build } from 'esbuild';
import { execFileSync, execSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const nm = path.join(root, 'node_modules');
const outDir = path.join(root, 'bench/gpu/dist');
const payload = path.join(outDir, 'payload.tar.xz');
/** What the GPU machine takes with one command: the repository's files and the payload together. */
const CARRY_LIMIT = 64 * 1024 * 1024;
/** Debian's Vulkan loader and the GL/EGL dispatch libraries the NVIDIA driver's Vulkan ICD loads. */
const VULKAN_DEBS = ['libvulkan1', 'libegl1', 'libglvnd0', 'libopengl0', 'libgl1', 'libglx0', 'libgles2'];

const stage = mkdtempSync(path.join(os.tmpdir(), 'cgan-gpu-stage-'));
const copy = (from: string, to = from) =>
  cpSync(path.join(nm, from), path.join(stage, 'node_modules', to), { recursive: true });
try {
  await build({
    entryPoints: [path.join(root, 'bench/gpu/bench.ts')],
    outdir: stage,
    outExtension: { '.js': '.mjs' },
    // Dynamic imports stay separate chunks, so code the benchmark never runs (the trainer's plots and
    // their native resvg) is never loaded.
    splitting: true,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // Native addons, and the optional tfjs-node packages that are looked up at run time.
    external: ['onnxruntime-node', 'webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '@resvg/resvg-js'],
    // tfjs's CommonJS builds use require and __dirname (the wasm backend finds its .wasm by it).
    banner: {
      js:
        "import { createRequire as __cr } from 'node:module'; " +
        "import { fileURLToPath as __fu } from 'node:url'; import __p from 'node:path'; " +
        'const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); ' +
        'const __dirname = __p.dirname(__filename);',
    },
    logLevel: 'warning',
  });
  for (const f of ['tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm.wasm']) {
    copyFileSync(path.join(nm, '@tensorflow/tfjs-backend-wasm/dist', f), path.join(stage, f));
  }
  // onnxruntime-node: its JS, the Linux x64 binding and library only (the package holds every platform).
  for (const f of ['package.json', 'dist', 'bin/napi-v6/linux/x64']) copy(path.join('onnxruntime-node', f));
  copy('onnxruntime-common');
  for (const f of ['package.json', 'index.js', 'dist/linux-x64']) copy(path.join('webgpu', f));
  copyFileSync(process.execPath, path.join(stage, 'node'));
  execFileSync('apt-get', ['download', ...VULKAN_DEBS], { cwd: stage, stdio: ['ignore', 'ignore', 'inherit'] });
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  execSync(`tar -C '${stage}' -cf - . | xz -9 -T2 > '${payload}'`, { stdio: 'inherit' });
} finally {
  rmSync(stage, { recursive: true, force: true });
}

const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
const treeBytes = tracked.reduce((s, f) => s + (statSync(path.join(root, f), { throwIfNoEntry: false })?.size ?? 0), 0);
const size = statSync(payload).size;
const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
console.log(
  `${path.relative(root, payload)}: ${mib(size)}; tracked files ${mib(treeBytes)}; ` +
    `together ${mib(size + treeBytes)} of ${mib(CARRY_LIMIT)}`,
);
console.log(`contents: ${readdirSync(outDir).join(', ')}`);
if (size + treeBytes > CARRY_LIMIT) {
  console.error('too big to carry: the tree and the payload must fit in 64 MiB together');
  process.exit(1);
}
