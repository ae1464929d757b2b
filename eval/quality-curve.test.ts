import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { writeChart } from '../train/chart.ts';
import { qualitySpec, readQuality, type QualityPoint } from './quality-curve.ts';

test('quality.jsonl points become the time-to-quality figure, against steps and hours', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cgan-quality-'));
  const points: QualityPoint[] = [1000, 2000].map((step, i) => ({
    step,
    epoch: step / 937,
    seconds: step * 0.5,
    samples: 2000,
    accuracy: 0.3 + 0.4 * i,
    perClass: Array.from({ length: 10 }, (_, c) => 0.2 + 0.05 * c + 0.4 * i),
    fd: 100 / (i + 1),
    referenceFd: 5,
  }));
  writeFileSync(path.join(dir, 'quality.jsonl'), points.map((p) => JSON.stringify(p) + '\n').join(''));
  const read = await readQuality(path.join(dir, 'quality.jsonl'));
  assert.deepEqual(read, points);
  const spec = qualitySpec(read, 'test') as { data: { values: { metric: string; value: number }[] } };
  const worst = spec.data.values.filter((r) => r.metric === 'worst class accuracy').map((r) => r.value);
  assert.deepEqual(
    worst.map((v) => +v.toFixed(9)),
    [0.2, 0.6],
  );
  assert.deepEqual(
    spec.data.values.filter((r) => r.metric === '2x real-data reference').map((r) => r.value),
    [10, 10],
  );
  assert.deepEqual(
    spec.data.values.filter((r) => r.metric === 'bar: accuracy 0.97').map((r) => r.value),
    [0.97, 0.97],
  );
  assert.equal(JSON.stringify(spec).includes('training hours'), true);

  // With both weight kinds, every line says which weights it measured.
  const mixed = qualitySpec(
    [...points.map((p) => ({ ...p, weights: 'raw' as const })), { ...points[1], weights: 'ema', accuracy: 0.77 }],
    'test',
  ) as typeof spec;
  assert.deepEqual(
    mixed.data.values.filter((r) => r.metric === 'conditional accuracy (weight average)').map((r) => r.value),
    [0.77],
  );
  assert.equal(mixed.data.values.filter((r) => r.metric === 'conditional accuracy (last iterate)').length, 2);
  assert.equal(
    mixed.data.values.filter((r) => r.metric === '2x real-data reference').length,
    2,
    'one reference line, not one per weight kind',
  );
  const files = await writeChart(spec, dir, 'quality');
  assert.equal(files.length, 2);
  assert.ok(readFileSync(files[0], 'utf8').includes('Frechet distance'));
});
