/**
 * The demo page in headless Debian Chromium without WebGPU (so the wasm path): the UI, a user's own
 * model, a corrupt one, a missing one, console errors and where requests go.
 * Screenshots: test-output/web-demo/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import { Generator } from '../runtime/node.ts';
import { launchChromium, screenshotPath, watchErrors, watchRequests } from '../test/chromium.ts';
import { fixtureModel, notAGeneratorModel } from '../test/fixture-model.ts';
import {
  canvasStats,
  maxAbsDiff,
  pageGenerate,
  renders,
  settled,
  startTestDemo,
  type TestDemo,
} from '../test/demo-harness.ts';

/** Per test: a stuck browser fails the test rather than blocking the suite. */
const T = 180_000;
let browser: Browser;
let t: TestDemo;
let page: Page;
let errors: string[];
let requests: string[];

before(
  async () => {
    t = await startTestDemo();
    browser = await launchChromium({ webgpu: false });
    const ctx = await browser.newContext({ acceptDownloads: true });
    page = await ctx.newPage();
    errors = watchErrors(page);
    requests = watchRequests(page);
    await page.goto(t.demo.url);
    assert.equal(
      await settled(page),
      'ready',
      `page did not get ready: ${await page.locator('#error').textContent()} ${errors.join('; ')}`,
    );
  },
  { timeout: T },
);

after(
  async () => {
    await browser?.close();
    await t?.close();
  },
  { timeout: 30_000 },
);

test('without a WebGPU adapter the page runs on wasm and says why', { timeout: T }, async () => {
  assert.equal(await page.locator('#ep').getAttribute('data-ep'), 'wasm');
  assert.equal(await page.locator('#ep').textContent(), 'wasm');
  const why = (await page.locator('#ep-why').textContent()) ?? '';
  assert.match(why, /navigator\.gpu/);
  assert.match(why, /cross-origin isolated/, 'the server sends COOP/COEP, so the page is isolated');
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);
  assert.match((await page.locator('#model-name').textContent()) ?? '', /fixture\.onnx/);
  assert.equal(await page.inputValue('#class'), '0', 'a class is selected from the start');
  assert.equal(await page.locator('#single-label').textContent(), '0');
  assert.match(
    (await page.locator('#timing').textContent()) ?? '',
    /Generated 10 grid images in [\d.]+ ms and 8 strip images in [\d.]+ ms on wasm/,
  );
  await page.screenshot({ path: screenshotPath('wasm-ready.png'), fullPage: true });
});

test('the grid and strip are drawn at their sizes and are not blank', { timeout: T }, async () => {
  const grid = await canvasStats(page, 'grid');
  // 10 classes in 2 rows of 5, 28 px images, 2 px padding, scale 4.
  assert.ok(grid.width > 5 * 28 * 4 && grid.height > 2 * 28 * 4, `grid ${grid.width}x${grid.height}`);
  assert.ok(grid.std > 10, `grid looks blank: std ${grid.std}`);
  const strip = await canvasStats(page, 'strip');
  assert.ok(strip.width > 8 * 28 * 4, `strip ${strip.width}`);
  assert.ok(strip.std > 10, `strip looks blank: std ${strip.std}`);
});

test('picking a class redraws the canvas with a different, non-blank image', { timeout: T }, async () => {
  const before = await canvasStats(page, 'single');
  assert.equal(before.width, 28);
  const n = await renders(page);
  await page.selectOption('#class', '7');
  await settled(page, n + 1);
  const afterPick = await canvasStats(page, 'single');
  assert.ok(afterPick.std > 10, `single image looks blank: std ${afterPick.std}`);
  assert.ok(maxAbsDiff(before.pixels, afterPick.pixels) > 50, 'the image did not change');
  assert.match((await page.locator('#single-label').textContent()) ?? '', /^7/);
  assert.match((await page.locator('#strip-label').textContent()) ?? '', /^7/);
  await page.screenshot({ path: screenshotPath('wasm-class-7.png'), fullPage: true });
});

test('the random button draws a new seed and a new figure', { timeout: T }, async () => {
  const seed = await page.inputValue('#seed');
  const grid = await canvasStats(page, 'grid');
  const n = await renders(page);
  await page.click('#random');
  await settled(page, n + 1);
  assert.notEqual(await page.inputValue('#seed'), seed);
  assert.equal(await page.locator('#grid-seed').textContent(), await page.inputValue('#seed'));
  assert.ok(maxAbsDiff(grid.pixels, (await canvasStats(page, 'grid')).pixels) > 50);
});

test('the page draws what onnxruntime-node draws (grid row = generate with that label)', { timeout: T }, async () => {
  // Seeded noise and labels through the page's generator vs onnxruntime-node cpu.
  const labels = [0, 3, 3, 9, 5, 1];
  const web = await pageGenerate(page, labels, 12345);
  const node = await Generator.load(t.model, { device: 'cpu' });
  const ref = await node.generate({ labels, seed: 12345 });
  await node.dispose();
  assert.equal(web.length, labels.length * 28 * 28);
  const d = maxAbsDiff(web, ref.data);
  console.log(`wasm (page) vs node cpu: max abs diff ${d.toExponential(2)} over ${web.length} values`);
  assert.ok(d <= 1e-4, `max abs diff ${d}`);
});

test('download PNG saves the grid as a PNG', { timeout: T }, async () => {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const path = screenshotPath('download.png');
  await download.saveAs(path);
  const png = PNG.sync.read(readFileSync(path));
  const grid = await canvasStats(page, 'grid');
  assert.equal(png.width, grid.width);
  assert.equal(png.height, grid.height);
  assert.match(download.suggestedFilename(), /^cgan-seed\d+\.png$/);
});

test('a corrupt model file shows a readable error and keeps the current model', { timeout: T }, async () => {
  const good = readFileSync(t.model);
  for (const [name, bytes, expect] of [
    ['broken.onnx', Buffer.from('this is not an onnx file at all'), /Could not load broken\.onnx \(your file\): .+/],
    ['truncated.onnx', good.subarray(0, 4000), /Could not load truncated\.onnx \(your file\): .+/],
    [
      'identity.onnx',
      Buffer.from(notAGeneratorModel()),
      /Could not load identity\.onnx \(your file\): .*not a cgan-onnx generator/,
    ],
  ] as const) {
    await page.setInputFiles('#file', { name, mimeType: 'application/octet-stream', buffer: bytes });
    await page.locator('#error', { hasText: name }).waitFor({ state: 'visible', timeout: 30_000 });
    const msg = (await page.locator('#error').textContent()) ?? '';
    assert.match(msg, expect);
    assert.doesNotMatch(msg, /\[object |undefined|^Error: $/);
    console.log(`${name}: ${msg}`);
    await page.screenshot({ path: screenshotPath(`error-${name.replace('.onnx', '')}.png`), fullPage: true });
    assert.equal(await page.evaluate(() => document.documentElement.dataset.state), 'ready');
    assert.match((await page.locator('#model-name').textContent()) ?? '', /fixture\.onnx/);
  }
});

test("a user's own .onnx loads by drag-and-drop and by the file picker", { timeout: T }, async () => {
  const other = fixtureModel({ seed: 2 });
  const gridBefore = await canvasStats(page, 'grid');
  let n = await renders(page);
  await page.evaluate((bytes) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(bytes)], 'dropped.onnx'));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, Array.from(other));
  await settled(page, n + 1);
  assert.equal(await page.locator('#error').isVisible(), false);
  assert.match((await page.locator('#model-name').textContent()) ?? '', /dropped\.onnx \(your file\)/);
  assert.ok(
    maxAbsDiff(gridBefore.pixels, (await canvasStats(page, 'grid')).pixels) > 50,
    'new weights, same seed: the grid must change',
  );

  const path = join(t.dir, 'picked.onnx');
  writeFileSync(path, fixtureModel({ seed: 3 }));
  n = await renders(page);
  await page.setInputFiles('#file', path);
  await settled(page, n + 1);
  assert.match((await page.locator('#model-name').textContent()) ?? '', /picked\.onnx \(your file\)/);
  await page.screenshot({ path: screenshotPath('own-model.png'), fullPage: true });
});

test('no console errors on the happy path, and nothing fetched from elsewhere', { timeout: T }, () => {
  assert.deepEqual(errors, []);
  const origin = new URL(t.demo.url).origin;
  const outside = requests.filter((u) => !u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:'));
  assert.deepEqual(outside, []);
  assert.ok(
    requests.some((u) => u.endsWith('/ort/ort-wasm-simd-threaded.wasm')),
    'the ORT wasm comes from the demo server',
  );
});

test('a missing model: the page says how to get one', { timeout: T }, async () => {
  const none = await startTestDemo({ noModel: true });
  const p = await browser.newPage();
  try {
    await p.goto(none.demo.url);
    assert.equal(await settled(p), 'error');
    assert.match((await p.locator('#error').textContent()) ?? '', /No model to serve.*cgan export/s);
    await p.screenshot({ path: screenshotPath('no-model.png'), fullPage: true });
  } finally {
    await p.close();
    await none.close();
  }
});
