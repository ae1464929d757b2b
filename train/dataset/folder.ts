/**
 * A folder as an image source: every file under it, found by a walk that follows symbolic links but
 * never enters a folder twice (it tracks real paths), so a link loop ends the branch with a note
 * instead of walking forever.
 */
import { promises as fs, type Dirent } from 'node:fs';
import path from 'node:path';
import { BadFileError } from '../../runtime/errors.ts';
import { fsErrorSentence } from '../../runtime/files.ts';
import { formatBytes, MAX_IMAGE_FILE_BYTES } from '../../runtime/limits.ts';
import type { ImageSource, Listing } from './listing.ts';

export async function openFolder(root: string): Promise<ImageSource> {
  const listing = await walk(root);
  return {
    kind: 'folder',
    root,
    listing,
    read: (rel) => readImageFile(path.join(root, rel)),
    close: async () => undefined,
  };
}

async function walk(root: string): Promise<Listing> {
  const listing: Listing = { topDirs: [], files: [], hidden: 0, skips: [], notes: [] };
  const seen = new Set<string>([await fs.realpath(root)]);
  const pending = [''];
  while (pending.length) {
    const rel = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
    } catch (e) {
      if (!rel) throw new BadFileError(fsErrorSentence(e, root));
      listing.skips.push({ file: rel, reason: fsErrorSentence(e, path.join(root, rel)) });
      continue;
    }
    await Promise.all(entries.map((d) => visit(root, rel, d, listing, seen, pending)));
  }
  return listing;
}

/** One directory entry: a file into the listing, a folder onto the pending stack. */
async function visit(
  root: string,
  dir: string,
  d: Dirent,
  listing: Listing,
  seen: Set<string>,
  pending: string[],
): Promise<void> {
  const rel = dir ? `${dir}/${d.name}` : d.name;
  if (d.name.startsWith('.')) {
    listing.hidden += 1;
    return;
  }
  const abs = path.join(root, rel);
  let st: Awaited<ReturnType<typeof fs.stat>>;
  try {
    st = await fs.stat(abs); // follows links: a link to an image is an image
  } catch (e) {
    const why = d.isSymbolicLink() ? 'a broken symbolic link' : fsErrorSentence(e, abs);
    listing.skips.push({ file: rel, reason: why });
    return;
  }
  if (st.isDirectory()) {
    const real = await fs.realpath(abs).catch(() => abs);
    if (seen.has(real)) {
      listing.notes.push(`${rel} leads back to a folder already read (a symbolic-link loop?): not followed`);
      return;
    }
    seen.add(real);
    if (!dir) listing.topDirs.push(d.name);
    pending.push(rel);
  } else if (st.isFile()) {
    listing.files.push({ rel, size: st.size, version: String(st.mtimeMs) });
  }
}

/** An image file's bytes, refusing one over the per-image limit before reading it. */
async function readImageFile(file: string): Promise<Uint8Array> {
  const st = await fs.stat(file);
  if (st.size > MAX_IMAGE_FILE_BYTES)
    throw new Error(`${formatBytes(st.size)}, over the per-image limit of ${formatBytes(MAX_IMAGE_FILE_BYTES)}`);
  const b = await fs.readFile(file);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
