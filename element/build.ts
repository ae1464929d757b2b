/**
 * Builds dist/cgan-generator.js: the element with the runtime's browser entry and onnxruntime-web
 * bundled in one minified ES module (esbuild), copies onnxruntime-web's wasm glue and binary
 * beside it, and writes dist/cgan-generator.d.ts (build-types.ts). Run by `npm run build` / prepack:
 * `node --import tsx build.ts`.
 *
 * Conditions: `source` builds from the runtime's TypeScript (never a stale dist/);
 * `onnxruntime-web-use-extern-wasm` picks ORT's build that loads its wasm from `env.wasm.wasmPaths`
 * at run time (the element sets it to the module's own folder) instead of the `.bundle` build that
 * embeds a reference to it. The plain `onnxruntime-web` build is JSEP: one 28 MB wasm serves both
 * WebGPU and wasm, where the split builds would ship 14 + 27 MB.
 *
 * Why esbuild and not Vite's library mode: Vite inlines ORT's proxy-worker self-reference
 * (`new Worker(new URL(import.meta.url))`) as a base64 copy of the whole bundle.
 *
 * Why rollup-plugin-dts for the declarations: the module inlines @cgan-onnx/runtime, so its types
 * must be inlined too (a page installs only this package), and tsc alone writes one .d.ts per file
 * that imports the runtime by name. The plugin builds them from the .ts sources with the repo's own
 * TypeScript, inlines exactly the packages named in `includeExternal` (anything else stays an import,
 * which element/types.test.ts fails on), keeps the `declare global` tag-name map, and drops the
 * types the public API does not reach. Rollup is already in the tree as Vite's bundler, so it adds one
 * small plugin. dts-bundle-generator would do as well; API Extractor wants tsc's .d.ts first, a config
 * file and its own pinned TypeScript.
 */
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleTypes } from './build-types.ts';

const root = dirname(fileURLToPath(import.meta.url));
const out = join(root, 'dist');
/** What the JSEP build fetches from wasmPaths. */
export const ORT_FILES = ['ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'];

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, 'cgan-generator.ts')],
  outfile: join(out, 'cgan-generator.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  conditions: ['source', 'onnxruntime-web-use-extern-wasm'],
  legalComments: 'eof',
  logLevel: 'warning',
});
const ortDist = dirname(
  createRequire(join(root, 'package.json')).resolve('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm'),
);
for (const f of ORT_FILES) copyFileSync(join(ortDist, f), join(out, f));
await bundleTypes(join(out, 'cgan-generator.d.ts'));
const kb = (f: string) => `${(statSync(join(out, f)).size / 1024).toFixed(0)} KiB`;
console.log(
  `element: dist/cgan-generator.js ${kb('cgan-generator.js')}, cgan-generator.d.ts ${kb('cgan-generator.d.ts')}, ` +
    ORT_FILES.map((f) => `${f} ${kb(f)}`).join(', '),
);
