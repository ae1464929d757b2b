/**
 * A .zip as an image source, read in place with yauzl (entries are inflated one at a time, never the
 * whole archive). A zip made by zipping a folder wraps everything in that folder: when the root
 * holds only one folder, and that folder holds folders or a dataset.json, its content is the root.
 */
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { BadFileError } from '../../runtime/errors.ts';
import { formatBytes, MAX_IMAGE_FILE_BYTES } from '../../runtime/limits.ts';
import { DATASET_JSON } from './layout.ts';
import type { ImageSource, Listing } from './listing.ts';

const openZip_ = (file: string) =>
  new Promise<ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false }, (e, z) => (e ? reject(e) : resolve(z))),
  );

export async function openZip(file: string): Promise<ImageSource> {
  let zip: ZipFile;
  try {
    zip = await openZip_(file);
  } catch (e) {
    throw new BadFileError(`${file} is not a readable zip (${(e as Error).message}); make it again or unzip it`);
  }
  try {
    const entries = await readEntries(zip, file);
    const prefix = wrapperPrefix([...entries.keys()]);
    const listing: Listing = { topDirs: [], files: [], hidden: 0, skips: [], notes: [] };
    const byRel = new Map<string, Entry>();
    for (const [name, e] of entries) {
      if (!name.startsWith(prefix)) continue;
      const rel = name.slice(prefix.length);
      if (!rel) continue;
      if (rel.split('/').some((part) => part.startsWith('.') || part === '__MACOSX')) {
        listing.hidden += 1;
        continue;
      }
      const top = rel.split('/')[0];
      if (rel.includes('/') && !listing.topDirs.includes(top)) listing.topDirs.push(top);
      if (rel.endsWith('/')) continue;
      byRel.set(rel, e);
      listing.files.push({ rel, size: e.uncompressedSize, version: `crc32 ${e.crc32}` });
    }
    return {
      kind: 'zip',
      root: file,
      listing,
      read: (rel) => readEntry(zip, byRel.get(rel)!),
      close: async () => zip.close(),
    };
  } catch (e) {
    zip.close();
    throw e;
  }
}

/** Every entry by its name ('/'-separated; folders end in '/'). */
function readEntries(zip: ZipFile, file: string): Promise<Map<string, Entry>> {
  return new Promise((resolve, reject) => {
    const out = new Map<string, Entry>();
    zip.on('entry', (e: Entry) => {
      out.set(e.fileName, e);
      zip.readEntry();
    });
    zip.on('end', () => resolve(out));
    zip.on('error', (e: Error) => reject(new BadFileError(`${file}: a damaged zip (${e.message}); make it again`)));
    zip.readEntry();
  });
}

/** The one folder that wraps the whole archive, as 'name/', or ''. */
function wrapperPrefix(names: string[]): string {
  const visible = names.filter((n) => !n.startsWith('__MACOSX/') && !n.startsWith('.'));
  const tops = new Set(visible.map((n) => (n.includes('/') ? `${n.slice(0, n.indexOf('/'))}/` : n)));
  if (tops.size !== 1) return '';
  const [top] = tops;
  if (!top.endsWith('/')) return '';
  const inner = visible.map((n) => n.slice(top.length)).filter(Boolean);
  return inner.some((n) => n === DATASET_JSON || n.includes('/')) ? top : '';
}

function readEntry(zip: ZipFile, e: Entry): Promise<Uint8Array> {
  if (e.uncompressedSize > MAX_IMAGE_FILE_BYTES) {
    const size = formatBytes(e.uncompressedSize);
    return Promise.reject(new Error(`${size}, over the per-image limit of ${formatBytes(MAX_IMAGE_FILE_BYTES)}`));
  }
  return new Promise((resolve, reject) => {
    zip.openReadStream(e, (err, stream) => {
      if (err) return reject(new Error(`a damaged zip entry (${err.message})`));
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (x: Error) => reject(new Error(`a damaged zip entry (${x.message})`)));
      stream.on('end', () => {
        const b = Buffer.concat(chunks);
        resolve(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
      });
    });
  });
}
