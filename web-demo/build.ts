/**
 * Builds the page with Vite when web-demo/dist is missing or older than anything it is built from,
 * so a fresh clone needs only `npm ci` before `npm run demo`. Run directly to force a build:
 * `node --import tsx web-demo/build.ts` (`--if-stale`: only when stale).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEMO_ROOT, DIST_DIR, ORT_DIST_SUBDIR, ortDistDir } from './server.ts';

const REPO = resolve(DEMO_ROOT, '..');
/** What the page is built from: its own sources and the runtime it imports. */
const SOURCES = [
  join(DEMO_ROOT, 'index.html'),
  join(DEMO_ROOT, 'vite.config.ts'),
  join(DEMO_ROOT, 'src'),
  join(REPO, 'runtime'),
  join(REPO, 'package-lock.json'),
];
const STAMP = join(DIST_DIR, 'index.html');

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of readdirSync(path)) {
    if (e.endsWith('.test.ts') || e === 'node_modules') continue;
    newest = Math.max(newest, newestMtime(join(path, e)));
  }
  return newest;
}

export function isDemoBuildStale(): boolean {
  // A page built before its ORT files were copied beside it (dist/ort/) would need onnxruntime-web installed.
  if (!existsSync(STAMP) || !existsSync(join(DIST_DIR, ORT_DIST_SUBDIR))) return true;
  const built = statSync(STAMP).mtimeMs;
  return SOURCES.some((s) => newestMtime(s) > built);
}

/** Builds if stale (or always with force). Returns true when it built. */
export async function ensureDemoBuilt(opts: { force?: boolean; log?: (msg: string) => void } = {}): Promise<boolean> {
  if (!opts.force && !isDemoBuildStale()) return false;
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    throw new Error(
      'The demo page needs building and Vite is not installed. Run `npm ci` (Vite is a devDependency) ' +
        'in the repository, then retry.',
    );
  }
  opts.log?.('Building the demo page (vite)...');
  const t0 = performance.now();
  await vite.build({ configFile: join(DEMO_ROOT, 'vite.config.ts'), logLevel: 'warn' });
  copyOrtFiles(DIST_DIR);
  opts.log?.(`Built web-demo/dist in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);
  return true;
}

/**
 * Copies the onnxruntime-web files the built page loads at run time (its wasm glue and binaries, named in its
 * chunks) into dist/ort/, the wasm gzipped (14 and 27 MB -> 3.7 and 6.6 MB): an installed `cgan demo` then serves
 * them from its own package and onnxruntime-web (140 MB, every build for every runtime) stays a devDependency.
 */
export function copyOrtFiles(distDir: string): string[] {
  const assets = join(distDir, 'assets');
  const code = readdirSync(assets)
    .filter((f) => f.endsWith('.js'))
    .map((f) => readFileSync(join(assets, f), 'utf8'))
    .join('\n');
  const glue = [...new Set(code.match(/ort-wasm-simd-threaded(?:\.[a-z]+)?\.mjs/g) ?? [])].sort();
  if (glue.length === 0) throw new Error(`the built page names no onnxruntime-web wasm glue in ${assets}`);
  const out = join(distDir, ORT_DIST_SUBDIR);
  mkdirSync(out, { recursive: true });
  const src = ortDistDir();
  for (const mjs of glue) {
    writeFileSync(join(out, mjs), readFileSync(join(src, mjs)));
    const wasm = mjs.replace(/\.mjs$/, '.wasm');
    writeFileSync(join(out, `${wasm}.gz`), gzipSync(readFileSync(join(src, wasm)), { level: 9 }));
  }
  return glue;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // --if-stale (npm prepack): skip the build when web-demo/dist is current.
  await ensureDemoBuilt({ force: !process.argv.includes('--if-stale'), log: console.log });
}
