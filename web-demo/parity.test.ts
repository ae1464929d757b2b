/**
 * Parity: the page's generator on WebGPU and on wasm, in headless Debian Chromium, against
 * onnxruntime-node on cpu, for the same seeded noise and labels.
 *
 * `--enable-unsafe-webgpu` gives headless Chromium a SwiftShader adapter (CPU speed, ~0.5 s per
 * full-size image), so WebGPU batches stay small and the fixture is narrower than the real model.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { Generator } from '../runtime/node.ts';
import { launchChromium, screenshotPath, watchErrors, watchRequests } from '../test/chromium.ts';
import { maxAbsDiff, pageGenerate, settled, startTestDemo, type TestDemo } from '../test/demo-harness.ts';

const TOLERANCE = 1e-4;
/** Per test: a stuck browser fails the test rather than blocking the suite. */
const T = 180_000;
let browser: Browser;
let t: TestDemo;
let ref: Generator;

before(
  async () => {
    t = await startTestDemo();
    ref = await Generator.load(t.model, { device: 'cpu' });
    browser = await launchChromium({ webgpu: true });
  },
  { timeout: T },
);

after(
  async () => {
    await browser?.close();
    await ref?.dispose();
    await t?.close();
  },
  { timeout: 30_000 },
);

async function open(query: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  const requests = watchRequests(page);
  await page.goto(`${t.demo.url}${query}`);
  const state = await settled(page, 1, 120_000);
  assert.equal(
    state,
    'ready',
    `page did not get ready: ${await page.locator('#error').textContent()} ${errors.join('; ')}`,
  );
  return { page, errors, requests };
}

async function compare(page: Page, labels: number[], seed: number, what: string): Promise<number> {
  const web = await pageGenerate(page, labels, seed);
  const cpu = await ref.generate({ labels, seed });
  assert.equal(web.length, cpu.data.length);
  let spread = 0;
  for (const v of cpu.data) spread = Math.max(spread, Math.abs(v));
  assert.ok(spread > 0.3, 'the reference images are not near-constant (the comparison means something)');
  const d = maxAbsDiff(web, cpu.data);
  console.log(
    `${what} vs onnxruntime-node cpu: max abs diff ${d.toExponential(2)} ` +
      `over ${web.length} values (labels ${labels.join(',')}, seed ${seed})`,
  );
  return d;
}

test('WebGPU in the page matches onnxruntime-node cpu', { timeout: T }, async () => {
  const { page, errors, requests } = await open('');
  try {
    assert.equal(
      await page.locator('#ep').getAttribute('data-ep'),
      'webgpu',
      'auto picks WebGPU when there is an adapter',
    );
    assert.match((await page.locator('#ep-why').textContent()) ?? '', /navigator\.gpu gave an adapter/);
    await page.screenshot({ path: screenshotPath('webgpu-ready.png'), fullPage: true });
    const d = await compare(page, [4, 9], 2024, 'webgpu');
    assert.ok(d <= TOLERANCE, `webgpu max abs diff ${d} > ${TOLERANCE}`);
    assert.deepEqual(errors, []);
    assert.deepEqual(
      requests.filter((u) => !u.startsWith(new URL(t.demo.url).origin)),
      [],
      'everything comes from the demo server',
    );
    assert.ok(
      requests.some((u) => u.endsWith('/ort/ort-wasm-simd-threaded.asyncify.wasm')),
      "the WebGPU build's wasm is served locally",
    );
  } finally {
    await page.close();
  }
});

test('wasm in the page matches onnxruntime-node cpu', { timeout: T }, async () => {
  const { page, errors } = await open('?device=wasm');
  try {
    assert.equal(await page.locator('#ep').getAttribute('data-ep'), 'wasm');
    assert.match((await page.locator('#ep-why').textContent()) ?? '', /chosen on the page/);
    const d = await compare(page, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 4, 9], 2024, 'wasm');
    assert.ok(d <= TOLERANCE, `wasm max abs diff ${d} > ${TOLERANCE}`);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('threaded wasm (cross-origin isolated, 2 threads) matches onnxruntime-node cpu', { timeout: T }, async () => {
  const { page, errors } = await open('?device=wasm&threads=2');
  try {
    assert.match((await page.locator('#ep-why').textContent()) ?? '', /2 thread\(s\), set by threads=2/);
    const d = await compare(page, [1, 6, 8], 7, 'wasm, 2 threads');
    assert.ok(page.workers().length >= 1, 'onnxruntime-web started its thread pool (web workers)');
    assert.ok(d <= TOLERANCE, `threaded wasm max abs diff ${d} > ${TOLERANCE}`);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
