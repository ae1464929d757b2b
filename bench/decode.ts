/**
 * Decode rate of an image folder: N generated images (coloured shapes over Gaussian noise, so PNG and
 * JPEG sizes are photo-like rather than flat), K classes, loaded cold (decoded, cache written) and
 * then warm (read from the cache). Prints images a second for each; docs/datasets.md records them.
 *
 * Usage: node --import tsx bench/decode.ts [--count 2000] [--side 64] [--format png|jpeg|webp] [--classes 10]
 */
import { mkdirSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import sharp from 'sharp';
import { int } from '../cli/parse.ts';
import { loadDataset } from '../train/data.ts';
import { tmpDir } from '../test/dataset-fixtures.ts';

const o = new Command('bench/decode.ts')
  .option('--count <n>', 'images', int('--count', 1), 2000)
  .option('--side <n>', 'side of the generated images, in pixels', int('--side', 8), 64)
  .addOption(new Option('--format <f>', 'file format').choices(['png', 'jpeg', 'webp']).default('png'))
  .option('--classes <n>', 'class subfolders', int('--classes', 2), 10)
  .parse()
  .opts<{ count: number; side: number; format: 'png' | 'jpeg' | 'webp'; classes: number }>();

const root = tmpDir('bench-decode');
const cacheDir = tmpDir('bench-cache');
try {
  const t0 = performance.now();
  const w = o.side;
  const dirs = Array.from({ length: o.classes }, (_, c) => path.join(root, `class${String(c).padStart(2, '0')}`));
  for (const d of dirs) mkdirSync(d, { recursive: true });
  const write = (k: number) => {
    const c = k % o.classes;
    const fill = `rgb(${(c * 97) % 256},${(c * 57 + 80) % 256},${(c * 31 + 160) % 256})`;
    const circle = `<circle cx="${w / 2}" cy="${w / 2}" r="${w / 3}" fill="${fill}"/>`;
    const svg = `<svg width="${w}" height="${w}">${circle}</svg>`;
    const noise = { type: 'gaussian' as const, mean: 90, sigma: 30 };
    return sharp({ create: { width: w, height: w, channels: 3, noise, background: '#000' } })
      .composite([{ input: Buffer.from(svg) }])
      [o.format]()
      .toFile(path.join(dirs[c], `${k}.${o.format}`));
  };
  for (let i = 0; i < o.count; i += 16)
    await Promise.all(Array.from({ length: Math.min(16, o.count - i) }, (_, j) => write(i + j)));
  const made = (performance.now() - t0) / 1000;
  // CPU seconds (all threads: libvips' too) beside wall seconds: on a shared machine the wall rate
  // moves with the other load, the CPU cost per image much less.
  const load = async () => {
    const t = performance.now();
    const c = process.cpuUsage();
    const ds = await loadDataset({ dir: root, cacheDir });
    const cpu = process.cpuUsage(c);
    return { ds, s: (performance.now() - t) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
  };
  const cold = await load();
  const warm = await load();
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `${availableParallelism()} cores (${cpu}), load average ${loadavg()[0].toFixed(2)}; ` +
      `sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}`,
  );
  console.log(`made ${o.count} ${w}x${w} ${o.format} files in ${made.toFixed(1)} s`);
  const { ds } = cold;
  const rate = (s: number) => Math.round(o.count / s).toLocaleString('en-US');
  console.log(
    `cold (decode + cache write): ${cold.s.toFixed(2)} s, ${rate(cold.s)} images/s ` +
      `(${rate(cold.cpu)} per CPU second) -> ${ds.size}x${ds.size}x${ds.channels}`,
  );
  console.log(
    `warm (cache read):           ${warm.s.toFixed(2)} s, ${rate(warm.s)} images/s ` +
      `(${rate(warm.cpu)} per CPU second) ` +
      `(${warm.ds.cache?.hit ? 'hit' : 'MISS'})`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
}
