/**
 * Time from navigation to the first image drawn, on wasm, cold (a fresh browser context: empty HTTP
 * and wasm code caches), in headless Debian Chromium against the demo server.
 *
 *   npm run bench:demo [-- model.onnx] [--runs N]
 *
 * Without a model it uses models/mnist-cwgan.onnx when present, else a full-size randomly
 * initialised generator (same shapes as the real one, so the same load and compute).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { findDefaultModel } from '../cli/demo-command.ts';
import { int } from '../cli/parse.ts';
import { ensureDemoBuilt } from '../web-demo/build.ts';
import { launchChromium, watchErrors } from '../test/chromium.ts';
import { writeFixtureModel } from '../test/fixture-model.ts';
import { startDemoServer } from '../web-demo/server.ts';

const TARGET_MS = 1500;

function args(): { model: string | null; runs: number } {
  const cmd = new Command('bench/demo.ts')
    .argument('[model]', '.onnx to serve (default: the shipped model, else a random full-size fixture)')
    .option('--runs <n>', 'page loads to time', int('--runs', 1), 5)
    .parse();
  return { model: (cmd.args[0] as string | undefined) ?? null, runs: cmd.opts<{ runs: number }>().runs };
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const opts = args();
  const tmp = mkdtempSync(join(tmpdir(), 'cgan-bench-demo-'));
  const model =
    opts.model ?? findDefaultModel() ?? writeFixtureModel(join(tmp, 'random-full-size.onnx'), { genChannels: 128 });
  await ensureDemoBuilt({ log: console.log });
  const demo = await startDemoServer({ model, port: 0 });
  const browser = await launchChromium({ webgpu: false });
  try {
    console.log(`model: ${model}`);
    console.log(
      `chromium ${browser.version()}, headless, no WebGPU flag (so wasm), ${opts.runs} cold runs (fresh context each)`,
    );
    const cold: number[] = [];
    let threads = '';
    for (let r = 0; r < opts.runs; r++) {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      const errors = watchErrors(page);
      // No ?device: the page's own choice, which is wasm here since this Chromium has no WebGPU flag.
      await page.goto(demo.url);
      await page.waitForFunction(
        () =>
          (window as unknown as { cgan?: { firstImageMs(): number | null } }).cgan?.firstImageMs() != null ||
          document.documentElement.dataset.state === 'error',
        null,
        { timeout: 60_000 },
      );
      const ms = await page.evaluate(() =>
        (window as unknown as { cgan: { firstImageMs(): number | null } }).cgan.firstImageMs(),
      );
      if (ms === null)
        throw new Error(`the page failed: ${await page.locator('#error').textContent()} ${errors.join('; ')}`);
      const ep = await page.locator('#ep').getAttribute('data-ep');
      if (ep !== 'wasm') throw new Error(`expected the wasm EP, the page used ${ep}`);
      threads = (await page.locator('#ep-why').textContent()) ?? '';
      cold.push(ms);
      const marks = await page.evaluate(() =>
        (window as unknown as { cgan: { marks(): Record<string, number> } }).cgan.marks(),
      );
      const steps = Object.entries(marks)
        .sort((a, b) => a[1] - b[1])
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      console.log(`run ${r + 1}: navigation -> first image ${ms.toFixed(0)} ms (${steps})`);
      await ctx.close();
    }
    console.log(`backend: wasm ${threads}`);
    const med = median(cold);
    console.log(
      `navigation -> first image, wasm, cold: median ${med.toFixed(0)} ms, min ${Math.min(...cold).toFixed(0)}, ` +
        `max ${Math.max(...cold).toFixed(0)} (target <= ${TARGET_MS} ms: ${med <= TARGET_MS ? 'met' : 'NOT met'})`,
    );
  } finally {
    await browser.close();
    await demo.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
