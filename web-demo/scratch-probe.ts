import { launchChromium } from './chromium.ts';
import { startDemoServer } from './server.ts';
const demo = await startDemoServer({ model: '/tmp/cgan-demo-check/full.onnx', port: 0 });
const browser = await launchChromium({ webgpu: false });
for (let r = 0; r < 3; r++) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(demo.url + (r === 2 ? '?device=wasm' : ''));
  await page.waitForFunction(() => (window as any).cgan?.firstImageMs() != null);
  const res = await page.evaluate(() => ({
    nav: performance.getEntriesByType('navigation').map((e: any) => [e.responseEnd|0, e.domContentLoadedEventEnd|0]),
    res: performance.getEntriesByType('resource').map((e: any) => `${e.name.split('/').pop()} ${e.startTime|0}-${e.responseEnd|0}`),
    marks: (window as any).cgan.marks(),
  }));
  console.log(JSON.stringify(res));
  await ctx.close();
}
await browser.close(); await demo.close();
