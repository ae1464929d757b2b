import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import type { MetricsRecord } from './metrics.ts';
import { ema, writeCurves } from './plot.ts';

test('ema is the seed notebook smoothing (starts at the first value)', () => {
  assert.deepEqual(ema([2, 2, 2], 0.99), [2, 2, 2]);
  const y = ema([0, 10], 0.5);
  assert.deepEqual(y, [0, 5]);
});

test('writeCurves draws the two-panel figure as SVG and PNG', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cgan-plot-'));
  const records: MetricsRecord[] = Array.from({ length: 300 }, (_, i) => ({
    step: i + 1,
    epoch: i / 100,
    real_score: 1 + Math.sin(i / 20),
    fake_score: -1,
    wasserstein: 2 + Math.sin(i / 20),
    penalty: 0.05,
    seconds: i,
    ...(i % 5 === 4 ? { generator_score: -1 } : {}),
  }));
  const files = await writeCurves(dir, records, 10, 'test run');
  assert.deepEqual(
    files.map((f) => path.basename(f)),
    ['curves.svg', 'curves.png'],
  );
  const svg = readFileSync(files[0], 'utf8');
  for (const label of ['Real score', 'Fake score', 'Wasserstein distance', '10x Gradient penalty', 'test run'])
    assert.ok(svg.includes(label), label);
  const png = PNG.sync.read(readFileSync(files[1]));
  assert.ok(png.width > 600 && png.height > 400, `${png.width}x${png.height}`);
  // Not blank: some pixels are coloured lines.
  let coloured = 0;
  for (let i = 0; i < png.data.length; i += 4)
    if (png.data[i] !== png.data[i + 1] || png.data[i + 1] !== png.data[i + 2]) coloured++;
  assert.ok(coloured > 500, `${coloured} coloured pixels`);
});
