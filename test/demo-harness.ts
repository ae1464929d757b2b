/** Shared set-up for the browser tests: a built page, a fixture model, a demo server on a free port. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ensureDemoBuilt } from '../web-demo/build.ts';
import { writeFixtureModel, type FixtureOptions } from './fixture-model.ts';
import { startDemoServer, type DemoServer } from '../web-demo/server.ts';

export interface TestDemo {
  demo: DemoServer;
  model: string;
  dir: string;
  close(): Promise<void>;
}

export async function startTestDemo(opts: { fixture?: FixtureOptions; noModel?: boolean } = {}): Promise<TestDemo> {
  await ensureDemoBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'cgan-web-test-'));
  const model = writeFixtureModel(join(dir, 'fixture.onnx'), opts.fixture);
  const demo = await startDemoServer({ model: opts.noModel ? null : model, port: 0 });
  return {
    demo,
    model,
    dir,
    close: async () => {
      await demo.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Cgan = { device: string | null; generate(labels: number[], seed: number): Promise<number[]> };

/** Waits until the page has drawn (or failed); returns the state. */
export async function settled(page: Page, minRenders = 1, timeout = 60_000): Promise<string> {
  await page.waitForFunction(
    (n) => {
      const d = document.documentElement.dataset;
      return d.state === 'error' || (d.state === 'ready' && Number(d.renders ?? 0) >= n);
    },
    minRenders,
    { timeout },
  );
  return (await page.evaluate(() => document.documentElement.dataset.state)) ?? '';
}

export async function renders(page: Page): Promise<number> {
  return Number(await page.evaluate(() => document.documentElement.dataset.renders ?? 0));
}

export async function pageGenerate(page: Page, labels: number[], seed: number): Promise<Float32Array> {
  const data = await page.evaluate(([l, s]) => (window as unknown as { cgan: Cgan }).cgan.generate(l, s), [
    labels,
    seed,
  ] as const);
  return Float32Array.from(data);
}

/** Mean and standard deviation of a canvas's gray levels, plus a copy of its pixels. */
export async function canvasStats(
  page: Page,
  id: string,
): Promise<{ width: number; height: number; mean: number; std: number; pixels: number[] }> {
  return page.evaluate((cid) => {
    const c = document.getElementById(cid) as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const g: number[] = [];
    for (let i = 0; i < d.length; i += 4) g.push(d[i]);
    const mean = g.reduce((a, b) => a + b, 0) / g.length;
    const std = Math.sqrt(g.reduce((a, b) => a + (b - mean) ** 2, 0) / g.length);
    return { width: c.width, height: c.height, mean, std, pixels: g };
  }, id);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
