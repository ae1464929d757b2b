/**
 * Test and bench helper: packs the four packages as `npm publish` would, and installs tarballs into
 * a fresh project the way a user does, from the npm cache (no network needed once `npm ci` ran).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));
const exec = promisify(execFile);

export interface Tarballs {
  /** cgan-onnx: the CLI. */
  cli: string;
  runtime: string;
  element: string;
  /** @cgan-onnx/train: the training side the CLI loads on demand. */
  train: string;
}

/** `npm pack` of the root and every workspace (each runs its prepack build) into `dest`. */
export async function packAll(dest: string): Promise<Tarballs> {
  mkdirSync(dest, { recursive: true });
  await exec('npm', ['pack', '--workspaces', '--include-workspace-root', '--pack-destination', dest, '--silent'], {
    cwd: REPO,
    maxBuffer: 64 << 20,
  });
  const find = (prefix: string) => {
    const f = readdirSync(dest).find((n) => n.startsWith(prefix) && /^[a-z-]+-\d+\.\d+\.\d+\.tgz$/.test(n));
    if (!f) throw new Error(`npm pack wrote no ${prefix}<version>.tgz in ${dest}: ${readdirSync(dest).join(', ')}`);
    return join(dest, f);
  };
  return {
    cli: find('cgan-onnx-0'),
    runtime: find('cgan-onnx-runtime-'),
    element: find('cgan-onnx-element-'),
    train: find('cgan-onnx-train-'),
  };
}

/**
 * A fresh ESM project in `dir` with `specs` installed (tarball paths or name@version). No install
 * scripts run: npm 11 blocks dependencies' scripts unless allowed, and onnxruntime-node's download
 * is skipped by its own variable for older npm; its CPU and WebGPU providers ship in the package.
 */
export async function installProject(dir: string, specs: string[], opts: { global?: boolean } = {}): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2)}\n`,
  );
  // global: `npm install -g` with its prefix in `dir` (packages under dir/lib/node_modules, bins in dir/bin), as a
  // user installs the CLI; each global package keeps its own dependencies (nothing is shared between them).
  const where = opts.global ? ['--global', '--prefix', dir] : [];
  await exec(
    'npm',
    ['install', ...where, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...specs],
    {
      cwd: dir,
      env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
      maxBuffer: 64 << 20,
    },
  );
}

/** Bytes under a directory (files only, symlinks not followed), as `du --apparent-size` counts. */
export function treeBytes(dir: string, skip: string[] = []): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory() && skip.includes(e.name)) continue;
    if (e.isDirectory()) total += treeBytes(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

/**
 * Every package folder under `nodeModules`, nested ones too, with its own bytes (its nested node_modules not
 * counted), largest first: what dominates an install.
 */
export function packageSizes(nodeModules: string): { name: string; bytes: number }[] {
  const out: { name: string; bytes: number }[] = [];
  const visit = (nm: string) => {
    for (const e of readdirSync(nm, { withFileTypes: true })) {
      if (e.name.startsWith('.') || !e.isDirectory()) continue;
      const dirs = e.name.startsWith('@')
        ? readdirSync(join(nm, e.name)).map((s) => ({ name: `${e.name}/${s}`, dir: join(nm, e.name, s) }))
        : [{ name: e.name, dir: join(nm, e.name) }];
      for (const d of dirs) {
        const own = treeBytes(d.dir, ['node_modules']);
        const existing = out.find((o) => o.name === d.name);
        if (existing) existing.bytes += own;
        else out.push({ name: d.name, bytes: own });
        try {
          visit(join(d.dir, 'node_modules'));
        } catch {
          // no nested node_modules
        }
      }
    }
  };
  visit(nodeModules);
  return out.sort((a, b) => b.bytes - a.bytes);
}

/** Package names installed under node_modules (scoped ones as @scope/name). */
export function installedPackages(dir: string, nm = join(dir, 'node_modules')): string[] {
  const out: string[] = [];
  for (const e of readdirSync(nm, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    if (e.name.startsWith('@')) for (const s of readdirSync(join(nm, e.name))) out.push(`${e.name}/${s}`);
    else out.push(e.name);
  }
  return out.sort();
}
