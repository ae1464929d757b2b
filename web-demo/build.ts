/**
 * Builds the page with Vite when web-demo/dist is missing or older than anything it is built from,
 * so a fresh clone needs only `npm ci` before `npm run demo`. Run directly to force a build:
 * `node --import tsx web-demo/build.ts` (`--if-stale`: only when stale).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEMO_ROOT, DIST_DIR } from './server.ts';

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
  if (!existsSync(STAMP)) return true;
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
  opts.log?.(`Built web-demo/dist in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // --if-stale (npm prepack): skip the build when web-demo/dist is current.
  await ensureDemoBuilt({ force: !process.argv.includes('--if-stale'), log: console.log });
}
