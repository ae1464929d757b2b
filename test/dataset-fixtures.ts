/**
 * Test helper: small image datasets made on the spot with sharp, so tests assert on pixels they
 * drew: red squares, green circles and blue triangles (each covers the image's centre, the corners
 * stay black), in any format sharp writes; and a minimal zip writer (stored entries) for zip tests.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

export type Rgb = [number, number, number];
export type ShapeKind = 'square' | 'circle' | 'triangle';

export const SHAPE_CLASSES: { name: string; kind: ShapeKind; colour: Rgb }[] = [
  { name: 'red', kind: 'square', colour: [255, 0, 0] },
  { name: 'green', kind: 'circle', colour: [0, 255, 0] },
  { name: 'blue', kind: 'triangle', colour: [0, 0, 255] },
];

const made: string[] = [];

/** A new temporary folder, removed by cleanupTmpDirs (tests: `after(cleanupTmpDirs)`). */
export function tmpDir(tag: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `cgan-ds-${tag}-`));
  made.push(dir);
  return dir;
}

export function cleanupTmpDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

function inside(kind: ShapeKind, x: number, y: number, w: number, h: number): boolean {
  const c = (w - 1) / 2;
  const m = (h - 1) / 2;
  if (kind === 'square') return Math.abs(x - c) <= w / 4 && Math.abs(y - m) <= h / 4;
  if (kind === 'circle') return (x - c) ** 2 + (y - m) ** 2 <= (Math.min(w, h) / 3) ** 2;
  return y >= h / 4 && y <= (3 * h) / 4 && Math.abs(x - c) <= (y - h / 4) / 1.5 + 1;
}

/** Raw RGB(A) pixels of a shape on black; with alpha, the background is transparent too. */
export function drawShape(kind: ShapeKind, colour: Rgb, w: number, h = w, alpha = false): Buffer {
  const ch = alpha ? 4 : 3;
  const out = Buffer.alloc(w * h * ch);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!inside(kind, x, y, w, h)) continue;
      out.set(alpha ? [...colour, 255] : colour, (y * w + x) * ch);
    }
  }
  return out;
}

export type Format = 'png' | 'jpeg' | 'webp' | 'palette' | 'png16' | 'gray' | 'rgba';

/** Encodes raw RGB (or RGBA for 'rgba') pixels to a file in one of the formats tests need. */
export async function writeImage(file: string, raw: Buffer, w: number, h: number, format: Format): Promise<void> {
  const img = sharp(raw, { raw: { width: w, height: h, channels: format === 'rgba' ? 4 : 3 } });
  const enc = {
    png: () => img.png(),
    rgba: () => img.png(),
    jpeg: () => img.jpeg({ quality: 95 }),
    webp: () => img.webp({ lossless: true }),
    palette: () => img.png({ palette: true, colours: 8, dither: 0 }),
    png16: () => img.toColourspace('rgb16').png(),
    gray: () => img.toColourspace('b-w').png(),
  }[format];
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, await enc().toBuffer());
}

/** root/<red|green|blue>/<i>.<ext>: `perClass` shapes per class at w x h. */
export async function shapesFolder(
  root: string,
  o: { perClass?: number; w?: number; h?: number; format?: Format; ext?: string } = {},
): Promise<string> {
  const { perClass = 3, w = 20, h = w, format = 'png' } = o;
  const ext = o.ext ?? (format === 'jpeg' ? 'jpg' : format === 'webp' ? 'webp' : 'png');
  for (const c of SHAPE_CLASSES) {
    for (let i = 0; i < perClass; i++) {
      await writeImage(path.join(root, c.name, `${i}.${ext}`), drawShape(c.kind, c.colour, w, h), w, h, format);
    }
  }
  return root;
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A zip of stored (uncompressed) entries; a name ending in '/' is a folder entry. */
export function writeZip(file: string, entries: { name: string; data?: Uint8Array }[]): void {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const data = Buffer.from(e.data ?? new Uint8Array());
    const name = Buffer.from(e.name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(0x0800, 8);
    cd.writeUInt16LE(0x21, 14);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(data.length, 20);
    cd.writeUInt32LE(data.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    parts.push(local, name, data);
    central.push(cd, name);
    offset += 30 + name.length + data.length;
  }
  const cdSize = central.reduce((a, b) => a + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(offset, 16);
  writeFileSync(file, Buffer.concat([...parts, ...central, end]));
}
