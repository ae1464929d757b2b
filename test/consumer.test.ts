/**
 * The packages as users get them: `npm pack` all four, install the tarballs into a fresh project
 * (offline, from the npm cache), then use them the four ways the README shows, from outside the
 * clone. Slow by nature (packing builds dist/ and the demo page): about 4 minutes on the shared 2-core machine.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import sirv from 'sirv';
import { defaultModelPath } from '../cli/default-model.ts';
import { Generator } from '../runtime/node.ts';
import { launchChromium, watchErrors } from './chromium.ts';
import { TRAINING_PACKAGES } from './layering.ts';
import { REPO, installProject, installedPackages, packAll, type Tarballs } from './packages.ts';

const exec = promisify(execFile);
const FIXTURES = join(REPO, 'test', 'consumer');
const MODEL = defaultModelPath();
const work = mkdtempSync(join(tmpdir(), 'cgan-consumer-'));
const app = join(work, 'app');
let tarballs: Tarballs;

/** What the clone draws, from the sources: the reference every consumer must match. */
async function cloneImages(labels: string, seed: number): Promise<Float32Array> {
  const g = await Generator.load(MODEL, { device: 'cpu' });
  try {
    return (await g.generate({ labels, seed })).data;
  } finally {
    await g.dispose();
  }
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'different image sizes');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** COOP/COEP: what makes a page cross-origin isolated (and lets wasm use threads). */
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** A static file server; by default with no COOP/COEP headers: a plain host, as most pages have. */
async function serve(dir: string, headers: Record<string, string> = {}): Promise<{ url: string; server: Server }> {
  const handler = sirv(dir, { dev: true });
  const server = createServer((req, res) => {
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    handler(req, res, () => {
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

interface PageResult {
  device?: string;
  isolated?: boolean;
  data?: number[];
  error?: string;
  /** The static page: progress events seen, and the model URLs kept in the Cache API. */
  progress?: number;
  kept?: string[];
}

/** Opens `url` in headless Chromium, waits for data-state, returns window.result and any errors. */
async function pageResult(url: string, webgpu = false): Promise<{ result: PageResult; errors: string[] }> {
  const browser = await launchChromium({ webgpu });
  try {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(url);
    await page.waitForFunction(() => document.documentElement.dataset.state !== 'loading', undefined, {
      timeout: 90_000,
    });
    return { result: await page.evaluate(() => (window as unknown as { result: never }).result), errors };
  } finally {
    await browser.close();
  }
}

/** The static page, with the installed element's dist/ copied to lib/ as the README says. */
function staticSite(): string {
  const site = join(work, 'static');
  if (existsSync(site)) return site;
  cpSync(join(FIXTURES, 'static'), site, { recursive: true });
  cpSync(join(app, 'node_modules', '@cgan-onnx', 'element', 'dist'), join(site, 'lib'), { recursive: true });
  cpSync(MODEL, join(site, 'model.onnx'));
  return site;
}

/** @types/node from the repo, as a service's own devDependency would provide it. */
function addNodeTypes(): void {
  if (existsSync(join(app, 'node_modules', '@types', 'node'))) return;
  mkdirSync(join(app, 'node_modules', '@types'), { recursive: true });
  cpSync(join(REPO, 'node_modules', '@types', 'node'), join(app, 'node_modules', '@types', 'node'), {
    recursive: true,
  });
  cpSync(join(REPO, 'node_modules', 'undici-types'), join(app, 'node_modules', 'undici-types'), { recursive: true });
}

// Packing builds four packages and the demo page: past the suite's 240 s per test on a busy machine.
before(
  async () => {
    tarballs = await packAll(join(work, 'tarballs'));
    await installProject(app, [
      tarballs.runtime,
      tarballs.element,
      tarballs.cli,
      'onnxruntime-node@1.30.0',
      'onnxruntime-web@1.30.0',
    ]);
  },
  { timeout: 600_000 },
);

after(() => rmSync(work, { recursive: true, force: true }));

test('the tarballs hold what ships and nothing else (no tests, benches, docs images, CI files)', async () => {
  for (const t of Object.values(tarballs)) {
    const { stdout } = await exec('tar', ['-tzf', t], { maxBuffer: 16 << 20 });
    const files = stdout.split('\n').filter(Boolean);
    const bad = files.filter(
      (f) => /\.test\.|\/test\/|\/bench\/|\.ci\/|docs\/|\.png$|\.ts$/.test(f) && !f.endsWith('.d.ts'),
    );
    assert.deepEqual(bad, [], `${t} ships ${bad.join(', ')}`);
    assert.ok(files.includes('package/LICENSE'), `${t} has no LICENSE`);
  }
  const { stdout } = await exec('tar', ['-tzf', tarballs.cli], { maxBuffer: 16 << 20 });
  // The default model once, with its fp16 file (`cgan generate --dtype fp16`), and no other model.
  const models = stdout.split('\n').filter((f) => f.endsWith('.onnx'));
  assert.deepEqual(models.sort(), ['package/models/mnist-cwgan.fp16.onnx', 'package/models/mnist-cwgan.onnx']);
  const element = (await exec('tar', ['-tzf', tarballs.element])).stdout.split('\n');
  assert.ok(element.includes('package/dist/cgan-generator.d.ts'), 'the element ships no .d.ts');
  // Each package carries its own README (install, an example, links).
  for (const t of Object.values(tarballs)) {
    const { stdout: list } = await exec('tar', ['-tzf', t], { maxBuffer: 16 << 20 });
    assert.ok(list.split('\n').includes('package/README.md'), `${t} has no README.md`);
  }
  // The training side is in @cgan-onnx/train, with the classifier `cgan eval` judges by; none of it in the CLI.
  const cli = stdout.split('\n');
  assert.ok(
    !cli.some((f) => /^package\/dist\/(train\/trainer|eval\/|export\/export)/.test(f)),
    'the CLI ships training code',
  );
  assert.ok(!cli.some((f) => f.startsWith('package/models/classifier')), 'the CLI ships the classifier');
  const train = (await exec('tar', ['-tzf', tarballs.train])).stdout.split('\n');
  for (const f of [
    'package/dist/train/index.js',
    'package/dist/train/worker.js',
    'package/models/classifier/classifier.safetensors',
  ])
    assert.ok(train.includes(f), `@cgan-onnx/train lacks ${f}`);
});

test('(a) a Node ESM script imports @cgan-onnx/runtime, draws what the clone draws, loads a URL', async () => {
  cpSync(join(FIXTURES, 'node-generate.mjs'), join(app, 'node-generate.mjs'));
  await exec(process.execPath, ['node-generate.mjs', MODEL, 'out.json'], { cwd: app });
  const got = JSON.parse(readFileSync(join(app, 'out.json'), 'utf8')) as {
    device: string;
    count: number;
    data: number[];
  };
  assert.equal(got.device, 'cpu');
  assert.equal(got.count, 10);
  assert.ok(maxAbsDiff(got.data, await cloneImages('0-9', 42)) <= 1e-6);

  cpSync(join(FIXTURES, 'node-load.mjs'), join(app, 'node-load.mjs'));
  await exec(process.execPath, ['node-load.mjs', join(REPO, 'models'), 'load.json'], { cwd: app });
  const load = JSON.parse(readFileSync(join(app, 'load.json'), 'utf8')) as {
    precision: string;
    progress: { loaded: number; total: number | null; url: string }[];
    aborted: string;
    pngBytes: number;
  };
  assert.equal(load.precision, 'float16', 'dtype fp16 over http did not load the .fp16.onnx file');
  assert.match(load.progress.at(-1)?.url ?? '', /\/mnist-cwgan\.fp16\.onnx$/);
  assert.equal(load.progress.at(-1)?.loaded, statSync(join(REPO, 'models', 'mnist-cwgan.fp16.onnx')).size);
  assert.equal(load.aborted, 'TimeoutError');
  assert.ok(load.pngBytes > 1000);
});

test('(b) a consumer .ts type-checks under strict + nodenext; misuse does not', async () => {
  for (const f of ['typed.ts', 'misuse.ts', 'tsconfig.json']) cpSync(join(FIXTURES, f), join(app, f));
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  addNodeTypes();
  await exec(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app });
  const bad = await exec(process.execPath, [tsc, '--strict', '--module', 'nodenext', '--noEmit', 'misuse.ts'], {
    cwd: app,
  }).then(
    () => null,
    (e: { stdout: string }) => e.stdout,
  );
  assert.ok(bad, 'misuse.ts type-checked: the published types accept anything');
  assert.match(bad, /"tpu"/);
  assert.match(bad, /misuse.ts\(5,\d+\): error TS2322: Type 'number' is not assignable/);
});

test('(b) a page with only @cgan-onnx/element installed type-checks against its types; misuse does not', async () => {
  const page = join(work, 'page-ts');
  await installProject(page, [tarballs.element]);
  assert.deepEqual(installedPackages(page), ['@cgan-onnx/element'], 'the element pulls in other packages');
  for (const f of ['element-typed.ts', 'tsconfig.element.json']) cpSync(join(FIXTURES, f), join(page, f));
  // element-typed.ts holds the misuse too, as `@ts-expect-error` lines: types that went missing or
  // turned into `any` leave a directive unused, which fails the check.
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  const failed = await exec(process.execPath, [tsc, '-p', 'tsconfig.element.json'], { cwd: page }).then(
    () => '',
    (e: { stdout?: string }) => e.stdout || String(e),
  );
  assert.equal(failed, '', "the element's shipped types do not type-check a page");
});

test(
  '(c) a Vite build of a page that imports the runtime draws a digit in Chromium, without ' + 'onnxruntime-node',
  async () => {
    const page = join(app, 'vite-page');
    cpSync(join(FIXTURES, 'vite-page'), page, { recursive: true });
    const vite = await import('vite');
    await vite.build({ root: page, configFile: false, logLevel: 'warn', build: { outDir: 'dist', target: 'es2022' } });
    const out = join(page, 'dist');
    cpSync(MODEL, join(out, 'model.onnx'));
    const built = readdirSync(join(out, 'assets')).filter((f) => f.endsWith('.js'));
    for (const f of built)
      assert.doesNotMatch(
        readFileSync(join(out, 'assets', f), 'utf8'),
        /onnxruntime_binding|onnxruntime-node/,
        `${f} bundles onnxruntime-node`,
      );
    const { url, server } = await serve(out);
    try {
      const { result, errors } = await pageResult(url);
      assert.equal(result.error, undefined, result.error);
      assert.equal(result.device, 'wasm');
      assert.ok(maxAbsDiff(result.data ?? [], await cloneImages('7', 42)) < 1e-4);
      assert.deepEqual(errors, []);
    } finally {
      server.close();
    }
  },
);

test(
  '(d) a static page with one <script type="module" src="cgan-generator.js"> draws a digit, no console ' + 'errors',
  async () => {
    const { url, server } = await serve(staticSite());
    try {
      const { result, errors } = await pageResult(url);
      assert.equal(result.error, undefined, result.error);
      assert.equal(result.isolated, false, 'the page must work without cross-origin isolation');
      assert.equal(result.device, 'wasm', 'no WebGPU adapter in this Chromium: wasm');
      assert.ok(maxAbsDiff(result.data ?? [], await cloneImages('3', 42)) < 1e-4);
      assert.ok((result.progress ?? 0) >= 1, 'the element fired no progress event');
      assert.deepEqual(result.kept, ['/model.onnx'], 'the model was not kept in the Cache API');
      assert.deepEqual(errors, []);
    } finally {
      server.close();
    }
  },
);

test('(d) the same page, cross-origin isolated and with a WebGPU adapter, runs on WebGPU', async () => {
  const { url, server } = await serve(staticSite(), ISOLATION);
  try {
    const { result, errors } = await pageResult(url, true);
    assert.equal(result.error, undefined, result.error);
    assert.equal(result.isolated, true);
    assert.equal(result.device, 'webgpu');
    assert.ok(maxAbsDiff(result.data ?? [], await cloneImages('3', 42)) < 1e-4);
    assert.deepEqual(errors, []);
  } finally {
    server.close();
  }
});

test('(e) the installed `cgan` generates from another directory with its shipped model', async () => {
  const elsewhere = join(work, 'elsewhere');
  mkdirSync(elsewhere);
  const bin = join(app, 'node_modules', '.bin', 'cgan');
  const { stdout } = await exec(
    bin,
    ['generate', '--labels', '3', '--seed', '42', '--out', 'three.png', '--raw', 'three.bin'],
    { cwd: elsewhere },
  );
  assert.match(stdout, /generated 1 images/);
  const png = PNG.sync.read(readFileSync(join(elsewhere, 'three.png')));
  assert.deepEqual([png.width, png.height], [32, 32]); // 28 + 2 px padding each side
  const raw = readFileSync(join(elsewhere, 'three.bin'));
  const data = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  assert.ok(maxAbsDiff(data, await cloneImages('3', 42)) <= 1e-6);
  // It runs dist/ (compiled), not the TypeScript sources.
  assert.ok(!existsSync(join(app, 'node_modules', 'cgan-onnx', 'cli')), 'the CLI package ships its sources');
  assert.ok(!installedPackages(app).includes('tsx'), 'tsx was installed: the CLI still needs a TypeScript loader');
  // --dtype fp16: the shipped float16 file, within float16 rounding of the float32 model.
  await exec(bin, ['generate', '--dtype', 'fp16', '--labels', '3', '--seed', '42', '--raw', 'half.bin'], {
    cwd: elsewhere,
  });
  const half = readFileSync(join(elsewhere, 'half.bin'));
  const halfData = new Float32Array(half.buffer, half.byteOffset, half.byteLength / 4);
  const d16 = maxAbsDiff(halfData, data);
  assert.ok(d16 > 0 && d16 < 0.05, `fp16 differs from fp32 by ${d16}`);
  writeFileSync(join(elsewhere, 'done'), '');
});

test('(f) the inference CLI works without the training package, and `cgan train` says what to install', async () => {
  const elsewhere = join(work, 'elsewhere-f');
  mkdirSync(elsewhere);
  const held = installedPackages(app).filter((p) => TRAINING_PACKAGES.test(p) || p === '@cgan-onnx/train');
  assert.deepEqual(held, [], 'an inference install holds training packages');
  const bin = join(app, 'node_modules', '.bin', 'cgan');
  const train = await exec(bin, ['train', '--steps', '1'], { cwd: elsewhere }).then(
    () => ({ code: 0, stderr: '' }),
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal(train.code, 5, train.stderr);
  assert.match(train.stderr, /needs the training package.*npm install -g @cgan-onnx\/train@\d/);
  // doctor from another directory: the shipped model runs on cpu; no native Dawn warning reaches the terminal.
  const doctor = await exec(bin, ['doctor', '--json'], { cwd: elsewhere });
  const report = JSON.parse(doctor.stdout) as { providers: { name: string; ok: boolean }[]; trainingPackage?: string };
  assert.equal(report.providers.find((p) => p.name === 'cpu')?.ok, true, doctor.stdout);
  assert.match(report.trainingPackage ?? '', /not installed/);
  assert.doesNotMatch(doctor.stderr, /Couldn't load Vulkan|\.cpp:\d/);
  // The noise file README's --noise example needs, written by the CLI: the same images as --seed.
  await exec(bin, ['noise', '--count', '2', '--seed', '7', '--out', 'z.bin'], { cwd: elsewhere });
  await exec(bin, ['generate', '--labels', '1,2', '--noise', 'z.bin', '--raw', 'a.bin'], { cwd: elsewhere });
  await exec(bin, ['generate', '--labels', '1,2', '--seed', '7', '--raw', 'b.bin'], { cwd: elsewhere });
  assert.deepEqual(readFileSync(join(elsewhere, 'a.bin')), readFileSync(join(elsewhere, 'b.bin')));
});

test('(g) CommonJS require() runs on this Node; TypeScript node16/nodenext/bundler each get their types', async () => {
  const engines = (
    JSON.parse(readFileSync(join(REPO, 'runtime', 'package.json'), 'utf8')) as { engines: { node: string } }
  ).engines.node;
  // require(esm) is on by default from 20.19 and 22.12: the range engines states.
  assert.equal(engines, '^20.19.0 || >=22.12.0');
  const dir = join(app, 'resolution');
  cpSync(join(FIXTURES, 'resolution'), dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  const req = await exec(process.execPath, ['require.cjs', MODEL], { cwd: dir });
  assert.equal(req.stderr, '', 'require() printed warnings');
  const got = JSON.parse(req.stdout) as { device: string; count: number; first: number };
  assert.equal(got.count, 3);
  assert.equal(got.first, (await cloneImages('0-2', 1))[0]);

  addNodeTypes();
  // Each tsconfig type-checks its program; --listFiles says which of the runtime's entry typings it got.
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  const typings = async (config: string) => {
    const { stdout } = await exec(process.execPath, [tsc, '-p', config, '--listFiles'], { cwd: dir }).catch(
      (e: { stdout: string }) => assert.fail(`${config} does not type-check:\n${e.stdout}`),
    );
    return [...stdout.matchAll(/@cgan-onnx\/runtime\/dist\/(node|browser|portable)\.d\.ts/g)].map((m) => m[1]).sort();
  };
  const [node16, nodenext, bundlerNode, bundlerNodeCondition, bundlerBrowser] = await Promise.all(
    ['node16', 'nodenext', 'bundler-node', 'bundler-node-condition', 'bundler-browser'].map((c) =>
      typings(`tsconfig.${c}.json`),
    ),
  );
  assert.deepEqual(node16, ['node']);
  assert.deepEqual(nodenext, ['node']); // an ESM .ts and a CommonJS .cts
  assert.deepEqual(bundlerNode, ['portable'], 'a Node program compiled with bundler got the browser typings');
  assert.deepEqual(bundlerNodeCondition, ['node']);
  assert.deepEqual(bundlerBrowser, ['browser', 'portable']); // types: [], skipLibCheck off: no @types/node needed
  // Without the node condition, the Node-only API is absent rather than wrong.
  const bare = await exec(
    process.execPath,
    [tsc, '--noEmit', '--strict', '--module', 'esnext', '--moduleResolution', 'bundler', '--types', 'node'].concat([
      '--skipLibCheck',
      'node-program.ts',
    ]),
    { cwd: dir },
  ).then(
    () => '',
    (e: { stdout: string }) => e.stdout,
  );
  assert.match(bare, /has no exported member 'writePng'/);
});
