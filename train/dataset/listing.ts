/** What a folder or a zip holds, before any image is read: the shared shape of both sources. */

/** One regular file under the root. */
export interface SourceFile {
  /** Path under the root, '/'-separated. */
  rel: string;
  size: number;
  /** What changes when its content does: the modification time (folder) or the CRC-32 (zip). */
  version: string;
}

/** A file or folder that could not be used, and why (listed in the summary; --strict: an error). */
export interface Skip {
  file: string;
  reason: string;
}

export interface Listing {
  /** Names of the folders directly under the root (the class candidates). */
  topDirs: string[];
  files: SourceFile[];
  /** Entries whose name starts with '.' (and zips' __MACOSX), never read. */
  hidden: number;
  /** Folders that could not be read, broken links. */
  skips: Skip[];
  /** Things said once (a symbolic-link loop not followed). */
  notes: string[];
}

/** A folder or a zip, listed, that images can be read from. */
export interface ImageSource {
  kind: 'folder' | 'zip';
  /** Absolute path of the folder or the zip. */
  root: string;
  listing: Listing;
  /** The bytes of a file of the listing; throws a sentence-worthy error (permission, damaged entry). */
  read(rel: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** `n word(s)`, for log lines and messages. */
export const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

/** Extensions read as images, lower case (others are ignored and counted). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.avif'];

export function isImageName(rel: string): boolean {
  const dot = rel.lastIndexOf('.');
  return dot > rel.lastIndexOf('/') && IMAGE_EXTENSIONS.includes(rel.slice(dot).toLowerCase());
}

/** Plain code-point order (Python's sorted() on str, as torchvision's ImageFolder orders classes). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a.charCodeAt(i) !== b.charCodeAt(i)) {
      // By code point, not UTF-16 unit: an astral character (a surrogate pair) sorts after U+E000-U+FFFF.
      return a.codePointAt(i)! - b.codePointAt(i)!;
    }
  }
  return a.length - b.length;
}
