/**
 * An RGB model of named classes in the page: the class picker shows the names (and ?class= takes
 * one), the canvases are in colour, and WebGPU and wasm in headless Chromium draw what
 * onnxruntime-node draws on cpu.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { Generator } from '../runtime/node.ts';
import { launchChromium, watchErrors } from '../test/chromium.ts';
import { maxAbsDiff, pageGenerate, settled, startTestDemo, type TestDemo } from '../test/demo-harness.ts';

const NAMES = ['red square', 'green circle', 'blue, triangle', 'star'];
const T = 180_000;
let browser: Browser;
let t: TestDemo;
let ref: Generator;

before(
  async () => {
    t = await startTestDemo({
      fixture: { imageSize: 32, channels: 3, numClasses: 4, classNames: NAMES, genChannels: 16 },
    });
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

for (const device of ['webgpu', 'wasm']) {
  test(`RGB 32x32 model on ${device}: names in the picker, colour on the canvas, parity with node cpu`, {
    timeout: T,
  }, async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    try {
      await page.goto(`${t.demo.url}?device=${device}&class=${encodeURIComponent('blue, triangle')}`);
      assert.equal(await settled(page, 1, 120_000), 'ready', (await page.locator('#error').textContent()) ?? '');
      assert.equal(await page.locator('#ep').getAttribute('data-ep'), device);
      const options = await page.locator('#class option').allTextContents();
      assert.deepEqual(
        options,
        NAMES.map((n, i) => `${i}: ${n}`),
      );
      assert.equal(await page.locator('#class').inputValue(), '2');
      const size = await page.evaluate(() => {
        const c = document.getElementById('single') as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let coloured = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1] || d[i + 1] !== d[i + 2]) coloured++;
        return { w: c.width, coloured, pixels: d.length / 4 };
      });
      assert.ok(size.w >= 32, `single canvas is ${size.w} wide`);
      assert.ok(size.coloured > size.pixels / 2, `${size.coloured} of ${size.pixels} pixels have colour`);
      const labels = [0, 1, 2, 3];
      const web = await pageGenerate(page, labels, 99);
      const cpu = await ref.generate({ labels, seed: 99 });
      assert.equal(web.length, 4 * 3 * 32 * 32);
      const d = maxAbsDiff(web, cpu.data);
      console.log(
        `RGB ${device} vs onnxruntime-node cpu: max abs diff ${d.toExponential(2)} over ${web.length} values`,
      );
      assert.ok(d <= 1e-4, `${device} differs from node cpu by ${d}`);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });
}
