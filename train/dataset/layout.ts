/**
 * Which files are the dataset's images and which class each belongs to: class subfolders
 * (torchvision's ImageFolder: root/<class>/**\/<image>), or a StyleGAN-style dataset.json at the root.
 * Everything here is about names; no image is read.
 */
import { BadFileError } from '../../runtime/errors.ts';
import { MAX_CLASSES, MIN_IMAGES_PER_CLASS } from '../../runtime/limits.ts';
import { compareCodePoints, isImageName, plural, type Listing, type SourceFile } from './listing.ts';

export interface Item extends SourceFile {
  label: number;
}

export interface Layout {
  classNames: string[];
  /** Class-interleaved: the first image of each class, then the second of each, ... */
  items: Item[];
  /** Sentences for the log. */
  notes: string[];
}

export const DATASET_JSON = 'dataset.json';

/** The class-subfolder layout of a listing. `root` names the source in messages. */
export function folderLayout(root: string, listing: Listing): Layout {
  const images = listing.files.filter((f) => isImageName(f.rel)).sort((a, b) => compareCodePoints(a.rel, b.rel));
  const notes = ignoredNotes(root, listing);
  const loose = images.filter((f) => !f.rel.includes('/'));
  if (images.length === 0) {
    throw new BadFileError(
      `${root} holds no images (PNG, JPEG, WebP, ...) and no IDX pair (train-images-idx3-ubyte[.gz] and ` +
        'train-labels-idx1-ubyte[.gz]): pass a folder with one subfolder of images per class, a .zip of one, ' +
        'or a directory with an IDX pair',
    );
  }
  if (images.length === loose.length) {
    throw new BadFileError(
      `${root} holds ${plural(loose.length, 'image')} but no class subfolders: put each class's images in a ` +
        `subfolder named for the class (${root}/<class>/<image>), or label them in a ${DATASET_JSON}`,
    );
  }
  if (loose.length) notes.push(`${plural(loose.length, 'image')} directly in ${root} belong to no class: ignored`);
  const classNames = [...listing.topDirs].sort(compareCodePoints);
  checkClassNames(root, classNames);
  if (classNames.length < 2) {
    throw new BadFileError(
      `${root} has one class subfolder (${classNames[0]}); a conditional GAN needs at least 2 classes: ` +
        `add a subfolder of images for each other class`,
    );
  }
  const byClass = classNames.map(() => [] as Item[]);
  const index = new Map(classNames.map((c, i) => [c, i]));
  for (const f of images) {
    const label = index.get(f.rel.slice(0, f.rel.indexOf('/')));
    if (label !== undefined) byClass[label].push({ ...f, label });
  }
  classNames.forEach((c, i) => {
    if (byClass[i].length === 0) {
      const others = listing.files.filter((f) => f.rel.startsWith(`${c}/`)).length;
      throw new BadFileError(
        `class folder ${root}/${c} holds no images${others ? ` (it has ${plural(others, 'other file')})` : ''}: ` +
          `add images to it or remove it`,
      );
    }
  });
  checkClassCounts(
    root,
    classNames,
    byClass.map((c) => c.length),
    'image',
  );
  return { classNames, items: interleave(byClass), notes };
}

/** Ignored entries, said in one line. */
export function ignoredNotes(root: string, listing: Listing): string[] {
  const byExt = new Map<string, number>();
  for (const f of listing.files) {
    if (isImageName(f.rel) || f.rel === DATASET_JSON) continue;
    const base = f.rel.slice(f.rel.lastIndexOf('/') + 1);
    const ext = base.includes('.') ? base.slice(base.lastIndexOf('.')).toLowerCase() : '(no extension)';
    byExt.set(ext, (byExt.get(ext) ?? 0) + 1);
  }
  const n = [...byExt.values()].reduce((a, b) => a + b, 0);
  const notes = [...listing.notes];
  if (n) {
    const kinds = [...byExt].sort((a, b) => b[1] - a[1]).map(([e, k]) => `${e} ${k}`);
    const what = n === 1 ? 'is not an image' : 'are not images';
    notes.push(`ignored ${plural(n, 'file')} in ${root} that ${what}: ${kinds.join(', ')}`);
  }
  if (listing.hidden)
    notes.push(`ignored ${plural(listing.hidden, 'hidden entry', 'hidden entries')} (names starting with a dot)`);
  return notes;
}

/** Class names must be non-empty, at most MAX_CLASSES, and distinct even ignoring case. */
export function checkClassNames(root: string, names: string[]): void {
  if (names.length > MAX_CLASSES)
    throw new BadFileError(`${root} has ${names.length} classes; at most ${MAX_CLASSES} are supported`);
  const seen = new Map<string, string>();
  for (const n of names) {
    if (!n.trim()) throw new BadFileError(`${root}: a class name is empty; name every class`);
    const other = seen.get(n.toLowerCase());
    if (other !== undefined) {
      throw new BadFileError(
        `${root} has classes "${other}" and "${n}", which differ only in case: rename or merge them ` +
          `(class names are matched ignoring case, and a case-insensitive file system holds them as one folder)`,
      );
    }
    seen.set(n.toLowerCase(), n);
  }
}

/** Every class needs MIN_IMAGES_PER_CLASS images; `what` is 'image' or 'usable image'. */
export function checkClassCounts(root: string, names: string[], counts: number[], what: string): void {
  const few = names.map((n, i) => ({ n, k: counts[i] })).filter((c) => c.k < MIN_IMAGES_PER_CLASS);
  if (!few.length) return;
  const list = few.map((c) => `"${c.n}" has ${plural(c.k, what)}`).join(', ');
  throw new BadFileError(
    `${root}: ${list}; every class needs at least ${MIN_IMAGES_PER_CLASS} (one to learn from, ` +
      `one for a held-out check): add images or remove the class`,
  );
}

/** One of each class in turn, so the first N (--limit N) hold every class about equally. */
export function interleave<T>(byClass: T[][]): T[] {
  const out: T[] = [];
  const longest = Math.max(...byClass.map((c) => c.length));
  for (let i = 0; i < longest; i++) for (const c of byClass) if (i < c.length) out.push(c[i]);
  return out;
}
