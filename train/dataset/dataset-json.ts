/**
 * A StyleGAN-style `dataset.json` at the root labels the images instead of class subfolders:
 * `{"labels": [["<path under the root>", <class index>], ...]}` (StyleGAN2-ADA's dataset_tool writes
 * this), or `"labels": {"<path>": <index>, ...}`, optionally with `"classNames": [...]` (or
 * `"class_names"`) naming the classes in index order; without names, classes are "0", "1", ...
 * Images it does not list are ignored (and counted).
 */
import { BadFileError } from '../../runtime/errors.ts';
import { MAX_CLASSES } from '../../runtime/limits.ts';
import {
  checkClassCounts,
  checkClassNames,
  DATASET_JSON,
  ignoredNotes,
  interleave,
  type Item,
  type Layout,
} from './layout.ts';
import { compareCodePoints, isImageName, plural, type Listing } from './listing.ts';

export function datasetJsonLayout(root: string, listing: Listing, text: string): Layout {
  const file = `${root}/${DATASET_JSON}`;
  const bad = (why: string) =>
    new BadFileError(`${file}: ${why}; expected {"labels": [["<path>", <class index>], ...], "classNames": [...]}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw bad(`not valid JSON (${(e as Error).message})`);
  }
  const o = json as { labels?: unknown; classNames?: unknown; class_names?: unknown };
  if (o === null || typeof o !== 'object') throw bad('not a JSON object');
  if (o.labels === null)
    throw bad('"labels" is null (an unconditional dataset); a conditional GAN needs a class for each image');
  const pairs = Array.isArray(o.labels)
    ? o.labels
    : o.labels && typeof o.labels === 'object'
      ? Object.entries(o.labels)
      : null;
  if (!pairs) throw bad('it has no "labels" list');
  const names = o.classNames ?? o.class_names;
  if (names !== undefined && (!Array.isArray(names) || !names.every((n) => typeof n === 'string')))
    throw bad('"classNames" must be a list of strings');
  const files = new Map(listing.files.map((f) => [f.rel, f]));
  const labelOf = new Map<string, number>();
  let max = -1;
  for (const p of pairs) {
    const [rel0, label] = Array.isArray(p) ? p : [];
    if (typeof rel0 !== 'string' || !Number.isInteger(label) || label < 0 || label >= MAX_CLASSES)
      throw bad(`entry ${JSON.stringify(p)} is not ["<path>", <class index 0-${MAX_CLASSES - 1}>]`);
    const rel = rel0.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
    if (!files.has(rel))
      throw new BadFileError(`${file} lists ${rel0}, which is not in ${root}: fix the path or add the file`);
    if (labelOf.has(rel)) throw bad(`${rel0} is listed twice`);
    labelOf.set(rel, label);
    max = Math.max(max, label);
  }
  if (labelOf.size === 0) throw bad('"labels" is empty');
  const classNames = (names as string[] | undefined) ?? Array.from({ length: max + 1 }, (_, i) => String(i));
  if (max >= classNames.length)
    throw bad(`class index ${max} is used but "classNames" names only ${classNames.length} classes`);
  checkClassNames(file, classNames);
  if (classNames.length < 2) throw bad('every image is in one class; a conditional GAN needs at least 2');
  const byClass = classNames.map(() => [] as Item[]);
  for (const rel of [...labelOf.keys()].sort(compareCodePoints)) {
    const label = labelOf.get(rel)!;
    byClass[label].push({ ...files.get(rel)!, label });
  }
  checkClassCounts(
    file,
    classNames,
    byClass.map((c) => c.length),
    'image',
  );
  const notes = ignoredNotes(root, listing);
  const unlisted = listing.files.filter((f) => isImageName(f.rel) && !labelOf.has(f.rel)).length;
  if (unlisted) notes.push(`${plural(unlisted, 'image')} in ${root} not listed in ${DATASET_JSON}: ignored`);
  return { classNames, items: interleave(byClass), notes };
}
