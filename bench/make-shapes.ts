/**
 * Makes the worked example's dataset (docs/own-data.md): a folder of class subfolders of coloured
 * shapes, as a user's own labelled images would arrive: JPEG and PNG files of mixed sizes (40-72
 * pixels, so the loader resizes and centre-crops them), each shape a random colour, size, position
 * and rotation on a random background colour. Drawn as SVG and rasterised by sharp.
 *
 *   node --import tsx bench/make-shapes.ts --out /tmp/shapes --per-class 600 [--seed 1]
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import sharp from 'sharp';
import { Rng } from '../runtime/random.ts';

const o = new Command()
  .requiredOption('--out <dir>', 'folder to write (one subfolder per class)')
  .option('--per-class <n>', 'images per class', (v) => Number(v), 600)
  .option('--seed <n>', 'random seed', (v) => Number(v), 1)
  .parse()
  .opts<{ out: string; perClass: number; seed: number }>();

/** An SVG element for each class, centred on (0, 0) with radius r. */
const SHAPES: Record<string, (r: number) => string> = {
  circle: (r) => `<circle r="${r}"/>`,
  square: (r) => `<rect x="${-r * 0.8}" y="${-r * 0.8}" width="${r * 1.6}" height="${r * 1.6}"/>`,
  triangle: (r) => `<polygon points="0,${-r} ${r * 0.87},${r * 0.5} ${-r * 0.87},${r * 0.5}"/>`,
  star: (r) =>
    `<polygon points="${Array.from({ length: 10 }, (_, i) => {
      const a = (Math.PI * i) / 5 - Math.PI / 2;
      const d = i % 2 ? r * 0.45 : r;
      return `${(d * Math.cos(a)).toFixed(2)},${(d * Math.sin(a)).toFixed(2)}`;
    }).join(' ')}"/>`,
};

const rng = new Rng(o.seed);
const hsl = (h: number, s: number, l: number) => `hsl(${Math.round(h)},${Math.round(s)}%,${Math.round(l)}%)`;
let written = 0;
for (const [name, shape] of Object.entries(SHAPES)) {
  mkdirSync(path.join(o.out, name), { recursive: true });
  for (let i = 0; i < o.perClass; i++) {
    const size = 40 + Math.floor(rng.uniform() * 33);
    const r = size * (0.2 + rng.uniform() * 0.15);
    const cx = size / 2 + (rng.uniform() - 0.5) * size * 0.3;
    const cy = size / 2 + (rng.uniform() - 0.5) * size * 0.3;
    const hue = rng.uniform() * 360;
    const bg = hsl((hue + 120 + rng.uniform() * 120) % 360, 20 + rng.uniform() * 30, 15 + rng.uniform() * 70);
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">` +
      `<rect width="100%" height="100%" fill="${bg}"/>` +
      `<g transform="translate(${cx.toFixed(1)},${cy.toFixed(1)}) rotate(${Math.round(rng.uniform() * 360)})" ` +
      `fill="${hsl(hue, 60 + rng.uniform() * 40, 40 + rng.uniform() * 25)}">${shape(r)}</g></svg>`;
    const img = sharp(Buffer.from(svg));
    const jpeg = i % 2 === 0;
    const file = path.join(o.out, name, `${name}-${String(i).padStart(4, '0')}.${jpeg ? 'jpg' : 'png'}`);
    await (jpeg ? img.jpeg({ quality: 90 }) : img.png()).toFile(file);
    written++;
  }
}
console.log(`wrote ${written} images in ${Object.keys(SHAPES).length} class folders under ${o.out}`);
